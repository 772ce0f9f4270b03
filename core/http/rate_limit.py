"""Requests per minute per credential (or per client address), with ``RateLimit-*`` headers.

A sliding-window counter (the current minute's count plus the previous minute's, weighted by how
much of it still overlaps the last 60 s): constant work and memory per client and request.
Litestar's own rate limiter keeps every request's timestamp and decodes and re-encodes that list
as JSON on each request, which cost half of a cached list request's CPU.

* One API process: counters live in this process (two dictionaries, the current and the previous
  minute, so expiry is dropping the older one; nothing to sweep).
* Several processes (``STADTKERN_REDIS_URL``): the same algorithm in Redis through the ``limits``
  library (atomic Lua script), so every replica counts against one budget.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from typing import Protocol

from litestar.exceptions import TooManyRequestsException

from core.http.asgi import ASGIApp, Message, Receive, Scope, Send

WINDOW_SECONDS = 60


class _Result:
    __slots__ = ("allowed", "remaining", "reset_seconds")

    def __init__(self, allowed: bool, remaining: int, reset_seconds: int) -> None:
        self.allowed = allowed
        self.remaining = remaining
        self.reset_seconds = reset_seconds


class Counter(Protocol):
    async def hit(self, key: str) -> _Result: ...


class MemoryCounter:
    """In-process sliding-window counter. Single event loop, no awaits inside: no lock needed."""

    def __init__(self, limit: int, window: int = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._index = -1
        self._current: dict[str, int] = {}
        self._previous: dict[str, int] = {}

    def _roll(self, index: int) -> None:
        self._previous = self._current if index == self._index + 1 else {}
        self._current = {}
        self._index = index

    async def hit(self, key: str) -> _Result:
        return self.hit_at(key, time.time())

    def hit_at(self, key: str, now: float) -> _Result:
        index = int(now // self.window)
        if index != self._index:
            self._roll(index)
        into = now - index * self.window
        reset = max(1, math.ceil(self.window - into))
        weighted = self._previous.get(key, 0) * (self.window - into) / self.window + self._current.get(key, 0)
        if math.floor(weighted) + 1 > self.limit:
            return _Result(False, 0, reset)
        self._current[key] = self._current.get(key, 0) + 1
        return _Result(True, max(0, self.limit - math.floor(weighted + 1)), reset)


class RedisCounter:
    """The same algorithm in Redis, shared by every API process (``limits``' sliding window counter)."""

    def __init__(self, limit: int, url: str) -> None:
        from limits import RateLimitItemPerMinute
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import SlidingWindowCounterRateLimiter

        storage = RedisStorage("async+" + url, implementation="redispy", key_prefix="stadtkern-ratelimit")
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._item = RateLimitItemPerMinute(limit)

    async def hit(self, key: str) -> _Result:
        allowed = await self._limiter.hit(self._item, key)
        stats = await self._limiter.get_window_stats(self._item, key)
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        return _Result(allowed, stats.remaining if allowed else 0, reset)


def client_key(scope: Scope) -> str:
    """Per credential when there is one (a device or a staff member), else per client address.

    The credential is hashed: neither it nor the address ends up in Redis or memory as is.
    """
    for name, value in scope["headers"]:
        if name == b"authorization":
            return "cred:" + hashlib.blake2b(value, digest_size=12).hexdigest()
    client = scope.get("client")
    address = client[0] if client else "unknown"
    return "ip:" + hashlib.blake2b(address.encode(), digest_size=12).hexdigest()


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, redis_url: str | None, exclude: tuple[str, ...] = ()) -> None:
        self.app = app
        self.limit = limit
        self._exclude = re.compile("|".join(exclude)) if exclude else None
        self._redis_url = redis_url
        self._counter: Counter | None = None
        self._policy = f"{limit};w={WINDOW_SECONDS}".encode()
        self._limit_header = str(limit).encode()

    def _counter_for_loop(self) -> Counter:
        # created on first use, inside the serving event loop (a Redis client binds to its loop)
        if self._counter is None:
            self._counter = RedisCounter(self.limit, self._redis_url) if self._redis_url else MemoryCounter(self.limit)
        return self._counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self._exclude is not None and self._exclude.match(scope["path"])):
            await self.app(scope, receive, send)
            return
        result = await self._counter_for_loop().hit(client_key(scope))
        headers = {
            "RateLimit-Policy": self._policy.decode(),
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(result.remaining),
            "RateLimit-Reset": str(result.reset_seconds),
        }
        if not result.allowed:
            raise TooManyRequestsException(
                detail="too many requests; try again later",
                headers={**headers, "Retry-After": str(result.reset_seconds)},
            )
        extra = [
            (b"ratelimit-policy", self._policy),
            (b"ratelimit-limit", self._limit_header),
            (b"ratelimit-remaining", str(result.remaining).encode()),
            (b"ratelimit-reset", str(result.reset_seconds).encode()),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
