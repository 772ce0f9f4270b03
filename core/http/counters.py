"""Sliding-window counters: how many hits a key made in the last window, in memory or in Redis.

The current window's count plus the previous window's, weighted by how much of it still overlaps
the last ``window`` seconds: constant work and memory per key and hit. Litestar's own rate limiter
keeps every request's timestamp and decodes and re-encodes that list as JSON on each request,
which cost half of a cached list request's CPU.
"""

from __future__ import annotations

import math
import time
from typing import Protocol


class Verdict:
    """One hit's outcome: allowed or not, what is left of the budget, seconds until it refills."""

    __slots__ = ("allowed", "remaining", "reset_seconds")

    def __init__(self, allowed: bool, remaining: int, reset_seconds: int) -> None:
        self.allowed = allowed
        self.remaining = remaining
        self.reset_seconds = reset_seconds


class Counter(Protocol):
    """A budget of ``limit`` hits per ``window`` seconds, per key."""

    async def hit(self, key: str) -> Verdict: ...


class MemoryCounter:
    """In-process sliding-window counter. Single event loop, no awaits inside: no lock needed."""

    def __init__(self, limit: int, window: int = 60) -> None:
        self.limit = limit
        self.window = window
        self._index = -1
        self._current: dict[str, int] = {}
        self._previous: dict[str, int] = {}

    def _roll(self, index: int) -> None:
        # Two dictionaries, the current and the previous window: expiry is dropping the older one.
        self._previous = self._current if index == self._index + 1 else {}
        self._current = {}
        self._index = index

    async def hit(self, key: str) -> Verdict:
        """Count a hit now."""
        return self.hit_at(key, time.time())

    def hit_at(self, key: str, now: float) -> Verdict:
        """Count a hit at ``now`` (seconds since the epoch); refused hits are not counted."""
        index = int(now // self.window)
        if index != self._index:
            self._roll(index)
        into = now - index * self.window
        reset = max(1, math.ceil(self.window - into))
        weighted = self._previous.get(key, 0) * (self.window - into) / self.window + self._current.get(key, 0)
        if math.floor(weighted) + 1 > self.limit:
            return Verdict(False, 0, reset)
        self._current[key] = self._current.get(key, 0) + 1
        return Verdict(True, max(0, self.limit - math.floor(weighted + 1)), reset)


class RedisCounter:
    """The same algorithm in Redis, shared by every API process (``limits``' sliding window counter,
    an atomic Lua script)."""

    def __init__(self, limit: int, window: int, url: str, prefix: str) -> None:
        from limits import RateLimitItemPerSecond
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import SlidingWindowCounterRateLimiter

        storage = RedisStorage("async+" + url, implementation="redispy", key_prefix=prefix)
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._item = RateLimitItemPerSecond(limit, window)

    async def hit(self, key: str) -> Verdict:
        """Count a hit now, atomically across processes."""
        allowed = await self._limiter.hit(self._item, key)
        stats = await self._limiter.get_window_stats(self._item, key)
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, stats.remaining if allowed else 0, reset)
