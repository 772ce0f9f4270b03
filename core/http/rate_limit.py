"""One request budget per client for the whole API, and named budgets for costly routes.

Who a client is: the device or staff member its bearer token names, when the token's signature
verifies; otherwise the client address (``core.http.proxies`` resolves it behind trusted proxies).
Keying on the raw ``Authorization`` header let ``Authorization: anything <credential>`` open a
fresh budget per request; a token that does not verify now counts against its sender's address.

Litestar builds a middleware stack per route handler, so a counter created inside the middleware
existed once per route (123 budgets per client). The ``Limiter`` is created once per app and
shared by every stack.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from litestar.security.jwt import Token

from core.api.limits import limit_headers, refuse
from core.http.asgi import ASGIApp, Message, Receive, Scope, Send
from core.http.counters import Counter, MemoryCounter, RedisCounter, Verdict

WINDOW_SECONDS = 60
_BEARER = re.compile(rb"^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)$")


def _digest(value: str) -> str:
    # Neither a credential, an id nor an address ends up in Redis or memory as is.
    return hashlib.blake2b(value.encode(), digest_size=12).hexdigest()


def client_address(scope: Scope) -> str:
    """The client's address as the ASGI server (or the trusted-proxy layer) set it."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def client_key(scope: Scope, secret: str) -> str:
    """The verified identity of the caller (``id:…``), else its address (``ip:…``), hashed."""
    for name, value in scope["headers"]:
        if name != b"authorization":
            continue
        match = _BEARER.match(value)
        if match is None:
            break
        try:
            token = Token.decode(match[1].decode("ascii"), secret, "HS256")
        except Exception:  # any undecodable token counts as no identity
            break
        return "id:" + _digest(token.sub)
    return "ip:" + _digest(client_address(scope))


class Limiter:
    """Every budget of one app: counters by (bucket, limit, window), in memory or in Redis."""

    def __init__(self, redis_url: str | None, secret: str) -> None:
        self.redis_url = redis_url
        self.secret = secret
        self._counters: dict[tuple[str, int, int], Counter] = {}

    def _counter(self, bucket: str, limit: int, window: int) -> Counter:
        # Created on first use, inside the serving event loop (a Redis client binds to its loop).
        key = (bucket, limit, window)
        counter = self._counters.get(key)
        if counter is None:
            if self.redis_url:
                counter = RedisCounter(limit, window, self.redis_url, prefix=f"stadtkern-ratelimit-{bucket}")
            else:
                counter = MemoryCounter(limit, window)
            self._counters[key] = counter
        return counter

    async def hit(self, bucket: str, key: str, limit: int, window: int) -> Verdict:
        """Spend one of ``limit`` per ``window`` seconds from ``key``'s budget in ``bucket``."""
        return await self._counter(bucket, limit, window).hit(_digest(key) if bucket != "api" else key)


class RateLimitMiddleware:
    """The API-wide budget: ``limit`` requests a minute per client, across every route."""

    def __init__(self, app: ASGIApp, *, limiter: Limiter, limit: int, exclude: tuple[str, ...] = ()) -> None:
        self.app = app
        self.limit = limit
        self.limiter = limiter
        self._exclude = re.compile("|".join(exclude)) if exclude else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self._exclude is not None and self._exclude.match(scope["path"])):
            await self.app(scope, receive, send)
            return
        key = client_key(scope, self.limiter.secret)
        verdict = await self.limiter.hit("api", key, self.limit, WINDOW_SECONDS)
        if not verdict.allowed:
            raise refuse(self.limit, WINDOW_SECONDS, verdict, "too many requests; try again later")
        extra = [
            (k.lower().encode(), v.encode()) for k, v in limit_headers(self.limit, WINDOW_SECONDS, verdict).items()
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def limiter_of(app_state: Any) -> Limiter:
    """The app's limiter (``app.state.limiter``)."""
    limiter: Limiter = app_state.limiter
    return limiter
