"""JSON logs with a request id, and an access log that holds no personal data.

What is never logged: IP addresses, tokens, query strings, bodies, e-mail addresses. The access
log records the route template (``/v1/{tenant}/devices/me``), not the concrete path.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from core.http.asgi import ASGIApp, Message, Receive, Scope, Send

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_STD_ATTRS = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def current_request_id() -> str | None:
    return _request_id.get()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class PlainFormatter(JsonFormatter):
    """For a developer's terminal (``make run``): the same fields, as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = json.loads(super().format(record))
        head = f"{entry.pop('ts')} {entry.pop('level').upper():7} {entry.pop('logger')}: {entry.pop('msg')}"
        trace = entry.pop("exc", None)
        line = " ".join([head, *(f"{k}={v}" for k, v in entry.items())])
        return f"{line}\n{trace}" if trace else line


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else PlainFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.Formatter.converter = time.gmtime
    for noisy in ("uvicorn.access",):  # replaced by our own access log, which has no client IP
        logging.getLogger(noisy).disabled = True
    # Alembic announces its plugins and dialect on every schema check (/health/ready does one);
    # `stadtkern migrate` turns the migration log back on.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs one INFO line per HTTP request: 100,000 lines for a push to 100,000 devices
    # (firebase-admin sends through it). Failures still reach us as exceptions and our own logs.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


access_log = logging.getLogger("stadtkern.access")


class RequestIdMiddleware:
    """Takes a well-formed ``X-Request-ID`` from the caller or makes one; echoes it; logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        # The core wraps Litestar's whole ASGI handler with this (not a route middleware), so 404s
        # for unknown paths, 405s, CORS preflights and errors raised by other middleware all carry
        # the id and are logged.
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if _SAFE_ID.match(incoming) else secrets.token_hex(8)
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Raised by a middleware further in (rate limit, body size) and answered by the app's
            # exception handler outside this one: log the status the client gets, not a 500.
            status = getattr(exc, "status_code", 500)
            raise
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "route": scope.get("path_template") or "unmatched",
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            _request_id.reset(token)
