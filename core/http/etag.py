"""``ETag`` on every successful GET, ``304`` on a matching ``If-None-Match``, and ``Cache-Control``.

Litestar only sets an ETag when a handler asks for one; answering ``If-None-Match`` is ours to do,
once, here. The tag is a hash of the uncompressed body, so it is the same on every API replica
and for every content encoding; that makes it a weak validator (RFC 9110 §8.8.1: identity, gzip
and br are different byte sequences), written ``W/"…"``. ``If-None-Match`` compares weakly, as
the RFC prescribes, so 304s work the same. Responses to a request with credentials are private;
anonymous reads are public but revalidated.
"""

from __future__ import annotations

import hashlib

from core.http.asgi import ASGIApp, Message, Receive, Scope, Send

MAX_BUFFERED = 8 * 1024 * 1024


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    if if_none_match.strip() == b"*":
        return True
    candidates = {c.strip().removeprefix(b"W/") for c in if_none_match.split(b",")}
    return etag in candidates


class ETagMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        private = _header(scope, b"authorization") is not None
        if_none_match = _header(scope, b"if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passthrough = False

        async def buffered_send(message: Message) -> None:
            nonlocal start, size, passthrough
            if passthrough:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                if message["status"] != 200:
                    passthrough = True
                    await send(message)
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body = message.get("body", b"")
            chunks.append(body)
            size += len(body)
            if message.get("more_body", False):
                if size > MAX_BUFFERED:  # streaming or huge: no tag, just pass it on
                    passthrough = True
                    await send(start)
                    await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
                return
            await self._finish(start, b"".join(chunks), private, if_none_match, send)

        await self.app(scope, receive, buffered_send)

    @staticmethod
    async def _finish(start: Message, body: bytes, private: bool, if_none_match: bytes | None, send: Send) -> None:
        headers = [(k, v) for k, v in start.get("headers", [])]
        names = {k.lower() for k, _ in headers}
        etag = next((v for k, v in headers if k.lower() == b"etag"), None)
        if etag is None:
            etag = b'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
            headers.append((b"etag", etag))
        if b"cache-control" not in names:
            headers.append((b"cache-control", b"private, no-cache" if private else b"public, no-cache"))
        if if_none_match is not None and _matches(if_none_match, etag.removeprefix(b"W/")):
            keep = {b"etag", b"cache-control", b"vary", b"content-language", b"x-request-id", b"date"}
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [(k, v) for k, v in headers if k.lower() in keep],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
