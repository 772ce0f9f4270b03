"""Input no database can store, refused before any module sees it: NUL characters and JSON
nested deeper than any of our schemas.

PostgreSQL cannot store U+0000 in text (SQLite can): a NUL in a sign-in, a search or an event
title passed validation and failed in the driver as a 500, and the same input behaved differently
on the two databases. msgspec decodes nesting 200,000 deep by recursing until Python's limit, and
the ``RecursionError`` became a 500 as well. One rule here covers every route of every module,
present and future; the 422 names the query parameter or the body field that holds the NUL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar.exceptions import ClientException, ValidationException

from core.http.asgi import ASGIApp, Message, Receive, Scope, Send

# Deeper than any request schema of ours (a survey question's show-if is about five levels).
MAX_DEPTH = 32
NUL_MESSAGE = "must not contain NUL characters (U+0000)"
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _nul_in_query(query: bytes) -> str | None:
    if b"%00" not in query and b"\x00" not in query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return f"query.{name.replace(chr(0), '')}"
    return "query"


def _walk(document: Any) -> tuple[str | None, int]:
    """The dotted path of the first string holding a NUL (or None), and the document's depth.

    Iterative on purpose: the document is as deep as msgspec allowed, which may exceed Python's
    recursion limit.
    """
    found: str | None = None
    deepest = 0
    stack: list[tuple[Any, str, int]] = [(document, "body", 0)]
    while stack:
        node, path, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            for key, value in node.items():
                if found is None and "\x00" in key:
                    found = path
                stack.append((value, f"{path}.{key}", depth + 1))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{i}]", depth + 1) for i, value in enumerate(node))
        elif found is None and isinstance(node, str) and "\x00" in node:
            found = path
    return found, deepest


def check_json(body: bytes) -> None:
    """422 for a NUL in any string, 400 for nesting deeper than ``MAX_DEPTH``; malformed JSON is
    left to the route (its own 400)."""
    try:
        document = msgspec.json.decode(body)
    except RecursionError:
        raise ClientException(detail=f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except msgspec.DecodeError:
        return
    field, depth = _walk(document)
    if depth > MAX_DEPTH:
        raise ClientException(detail=f"JSON nested deeper than {MAX_DEPTH} levels")
    if field is not None:
        raise ValidationException(extra=[{"key": field, "message": NUL_MESSAGE}])


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return bool(media == b"application/json" or media.endswith(b"+json"))
    return False


class InputGuardMiddleware:
    """Checks the path, the query string and JSON bodies; replays the body to the route unchanged."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            raise ValidationException(extra=[{"key": "path", "message": NUL_MESSAGE}])
        field = _nul_in_query(scope.get("query_string", b""))
        if field is not None:
            raise ValidationException(extra=[{"key": field, "message": NUL_MESSAGE}])
        if scope["method"] not in _BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages, size = await self._read(receive)
        if size <= self.max_body_bytes:  # a larger body is the route's 413, not ours to parse
            check_json(b"".join(m.get("body", b"") for m in messages))
        await self.app(scope, _replay(messages, receive), send)

    async def _read(self, receive: Receive) -> tuple[list[Message], int]:
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if not message.get("more_body", False) or size > self.max_body_bytes:
                break
        return messages, size


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
