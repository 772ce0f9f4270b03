"""brotli or gzip by ``Accept-Encoding``, remembering what it compressed.

Every app client sends ``Accept-Encoding``; compressing the same 20 KB list for each of them cost
three times the rest of a cached request (measured on the events list: ~1,900 requests/s without
compression, ~350 with it). A complete 200 body is therefore compressed once per encoding and kept
in a small LRU bounded in bytes, keyed by a hash of the body itself (not by the ``ETag``: a
module may send a tag that does not change with every byte, e.g. per language); hashing costs a
few microseconds where compressing cost hundreds. A large body that a module's own cache hands
out again and again as the same ``bytes`` object (parking's 486 KiB map) is not even hashed
again: the cache remembers its digest by identity, holding the object, so its ``id`` cannot be
reused by another body while remembered (hashing 486 KiB took ~0.5 ms, a third of the request).
Streamed bodies are compressed as they go.
Litestar's own compression middleware cannot reuse work across requests, hence this one.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections import OrderedDict

import brotli

from core.http.asgi import ASGIApp, Message, Receive, Scope, Send

MINIMUM_SIZE = 500
CACHE_BYTES = 32 * 1024 * 1024
IDENTITY_MIN = 16 * 1024  # smaller bodies hash in microseconds: not worth holding on to
IDENTITY_ENTRIES = 16
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
COMPRESSIBLE = (b"text/", b"application/json", b"application/xml", b"application/javascript", b"image/svg+xml")


def choose_encoding(accept: bytes | None) -> str | None:
    """``br`` if acceptable, else ``gzip``, else None (q=0 refuses; ``*`` accepts both)."""
    if not accept:
        return None
    accepted: dict[str, float] = {}
    for part in accept.decode("latin-1").lower().split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        accepted[name.strip()] = q
    wildcard = accepted.get("*", 0.0)
    for encoding in ("br", "gzip"):
        if accepted.get(encoding, wildcard) > 0:
            return encoding
    return None


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(body, quality=BROTLI_QUALITY))
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class _Stream:
    """Incremental compression for a streamed body."""

    def __init__(self, encoding: str) -> None:
        self._brotli = brotli.Compressor(quality=BROTLI_QUALITY) if encoding == "br" else None
        self._gzip = None if self._brotli else zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def chunk(self, data: bytes, last: bool) -> bytes:
        if self._brotli is not None:
            out = bytes(self._brotli.process(data))
            return out + bytes(self._brotli.finish()) if last else out
        assert self._gzip is not None
        out = self._gzip.compress(data)
        return out + self._gzip.flush() if last else out


class CompressedCache:
    """(body hash, encoding) -> compressed body, least recently used first out, at most ``limit`` bytes."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[tuple[bytes, str], bytes] = OrderedDict()
        # id(body) -> (body, digest): the body is held, so no other object can take its id meanwhile
        self._digests: OrderedDict[int, tuple[bytes, bytes]] = OrderedDict()

    def digest(self, body: bytes) -> bytes:
        """The body's hash, remembered by identity for large bodies served repeatedly."""
        if len(body) < IDENTITY_MIN or type(body) is not bytes:  # a bytearray may change under its id
            return hashlib.blake2b(body, digest_size=16).digest()
        known = self._digests.get(id(body))
        if known is not None and known[0] is body:
            self._digests.move_to_end(id(body))
            return known[1]
        value = hashlib.blake2b(body, digest_size=16).digest()
        self._digests[id(body)] = (body, value)
        if len(self._digests) > IDENTITY_ENTRIES:
            self._digests.popitem(last=False)
        return value

    def get(self, key: tuple[bytes, str]) -> bytes | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: tuple[bytes, str], value: bytes) -> None:
        if len(value) > self.limit // 8 or key in self._items:
            return
        self._items[key] = value
        self.size += len(value)
        while self.size > self.limit:
            _, dropped = self._items.popitem(last=False)
            self.size -= len(dropped)


def _compressible(headers: list[tuple[bytes, bytes]]) -> bool:
    content_type = b""
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-encoding":
            return False
        if lowered == b"content-type":
            content_type = value.lower()
    media_type = content_type.split(b";", 1)[0].strip()
    return media_type.startswith(COMPRESSIBLE) or media_type.endswith((b"+json", b"+xml"))


def _with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    for i, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            if b"accept-encoding" not in value.lower():
                headers[i] = (name, value + b", Accept-Encoding")
            return headers
    headers.append((b"vary", b"Accept-Encoding"))
    return headers


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, cache: CompressedCache | None = None) -> None:
        self.app = app
        self.cache = cache or CompressedCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = next((v for k, v in scope["headers"] if k == b"accept-encoding"), None)
        encoding = choose_encoding(accept)
        start: Message | None = None
        stream: _Stream | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal start, stream
            if message["type"] == "http.response.start":
                start = message
                return
            if stream is not None and message["type"] == "http.response.body":  # streaming, started
                more = message.get("more_body", False)
                await send({**message, "body": stream.chunk(message.get("body", b""), last=not more)})
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            held, start = start, None
            headers = _with_vary([(k, v) for k, v in held.get("headers", [])])
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if encoding is None or held["status"] in (204, 304) or not _compressible(headers):
                await send({**held, "headers": headers})
                await send(message)
                return
            if more:  # a stream: compress as it goes, length unknown
                stream = _Stream(encoding)
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-encoding", encoding.encode()))
                await send({**held, "headers": headers})
                await send({**message, "body": stream.chunk(body, last=False)})
                return
            if len(body) < MINIMUM_SIZE:
                await send({**held, "headers": headers})
                await send(message)
                return
            key = (self.cache.digest(body), encoding) if held["status"] == 200 else None
            compressed = self.cache.get(key) if key is not None else None
            if compressed is None:
                compressed = compress(body, encoding)
                if key is not None:
                    self.cache.put(key, compressed)
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers += [(b"content-encoding", encoding.encode()), (b"content-length", str(len(compressed)).encode())]
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": compressed})

        await self.app(scope, receive, send_compressed)
