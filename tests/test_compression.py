"""Compression by Accept-Encoding, reusing compressed bodies by ETag without ever serving a stale one."""

from __future__ import annotations

import gzip
from typing import Any

import brotli
import pytest

from core.http.compression import CompressedCache, CompressionMiddleware, choose_encoding


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (b"gzip, deflate, br", "br"),
        (b"br;q=0, gzip", "gzip"),
        (b"gzip;q=0.5", "gzip"),
        (b"*", "br"),
        (b"identity", None),
        (b"br;q=0, gzip;q=0", None),
        (b"*;q=0", None),
        (None, None),
    ],
)
def test_encoding_follows_accept_encoding(header: bytes | None, chosen: str | None) -> None:
    assert choose_encoding(header) == chosen


class Upstream:
    """An ASGI app answering with whatever body and headers the test sets, optionally in chunks."""

    def __init__(self) -> None:
        self.body = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(self.headers)})
        if self.chunks is None:
            await send({"type": "http.response.body", "body": self.body})
            return
        for i, chunk in enumerate(self.chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(self.chunks) - 1})


async def fetch(app: Any, accept: bytes | None) -> tuple[dict[bytes, bytes], bytes]:
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    headers = [(b"accept-encoding", accept)] if accept else []
    await app({"type": "http", "method": "GET", "path": "/", "headers": headers}, None, send)
    start = dict(messages[0]["headers"])
    return start, b"".join(m.get("body", b"") for m in messages[1:])


def json_body(text: str) -> bytes:
    return ('{"items": ["' + text + '"' + ', "x"' * 300 + "]}").encode()


async def test_same_body_reuses_the_compressed_one_and_a_changed_body_never_gets_the_old_one() -> None:
    upstream = Upstream()
    cache = CompressedCache()
    app = CompressionMiddleware(upstream, cache)  # type: ignore[arg-type]
    upstream.headers = [(b"content-type", b"application/json"), (b"etag", b'"v1"')]
    upstream.body = json_body("Sommerfest")

    headers, wire = await fetch(app, b"br")
    assert headers[b"content-encoding"] == b"br" and headers[b"vary"] == b"Accept-Encoding"
    assert brotli.decompress(wire) == upstream.body
    assert int(headers[b"content-length"]) == len(wire) < len(upstream.body)
    assert cache.size == len(wire)

    _, again = await fetch(app, b"br")
    assert again == wire and cache.size == len(wire)  # reused, not stored twice

    upstream.headers = [(b"content-type", b"application/json"), (b"etag", b'"v2"')]
    upstream.body = json_body("Weihnachtsmarkt")
    _, changed = await fetch(app, b"br")
    assert brotli.decompress(changed) == upstream.body  # the new body, never the cached old one
    # a handler's own tag that does not change with the body (e.g. one tag for both languages)
    upstream.body = json_body("Christmas market")
    _, english = await fetch(app, b"br")
    assert brotli.decompress(english) == upstream.body
    headers, gzipped = await fetch(app, b"gzip")
    assert headers[b"content-encoding"] == b"gzip" and gzip.decompress(gzipped) == upstream.body


async def test_uncompressed_answers_still_vary_and_small_or_binary_bodies_stay_as_they_are() -> None:
    upstream = Upstream()
    app = CompressionMiddleware(upstream)  # type: ignore[arg-type]
    upstream.headers = [(b"content-type", b"application/json")]
    upstream.body = json_body("x")
    headers, body = await fetch(app, None)
    assert body == upstream.body and b"content-encoding" not in headers
    assert headers[b"vary"] == b"Accept-Encoding"

    upstream.body = b'{"ok": true}'
    headers, body = await fetch(app, b"br")
    assert body == upstream.body and b"content-encoding" not in headers

    upstream.headers = [(b"content-type", b"image/png")]
    upstream.body = b"\x89PNG" + b"\x00" * 2000
    headers, body = await fetch(app, b"br")
    assert body == upstream.body and b"content-encoding" not in headers


async def test_a_streamed_body_is_compressed_as_it_goes() -> None:
    upstream = Upstream()
    app = CompressionMiddleware(upstream)  # type: ignore[arg-type]
    upstream.headers = [(b"content-type", b"text/calendar"), (b"content-length", b"999999")]
    upstream.chunks = [b"BEGIN:VCALENDAR\r\n", b"SUMMARY:Stadtfest\r\n" * 200, b"END:VCALENDAR\r\n"]
    headers, wire = await fetch(app, b"gzip")
    assert headers[b"content-encoding"] == b"gzip" and b"content-length" not in headers
    assert gzip.decompress(wire) == b"".join(upstream.chunks)


async def test_large_bodies_recognised_by_identity_never_get_another_bodys_compression() -> None:
    """A large body served again as the same object is not hashed again; bodies built afresh and
    dropped each time (so a new one may take a freed one's id) each get their own compression."""
    upstream = Upstream()
    app = CompressionMiddleware(upstream, CompressedCache())  # type: ignore[arg-type]
    upstream.headers = [(b"content-type", b"application/json")]
    for round_ in range(40):  # more bodies than the identity memory keeps
        upstream.body = json_body(f"Karte {round_:03d} " + "P" * 20_000)
        _, wire = await fetch(app, b"br")
        assert brotli.decompress(wire) == upstream.body, round_
    kept = upstream.body
    _, first = await fetch(app, b"gzip")
    _, second = await fetch(app, b"gzip")
    assert first == second and gzip.decompress(second) == kept
    changed = bytearray(kept)
    upstream.body = changed  # type: ignore[assignment]  # mutable: hashed every time, never by id
    _, before = await fetch(app, b"gzip")
    changed[-3:] = b"x]}"
    _, after = await fetch(app, b"gzip")
    assert gzip.decompress(before) == kept and gzip.decompress(after) == bytes(changed)
