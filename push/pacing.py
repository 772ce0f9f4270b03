"""How fast a city's notifications go out: a token bucket per city and process, the pause FCM
asks for (429 + ``Retry-After``), and the delay before a failed delivery is tried again."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from dataclasses import dataclass, field

from push.settings import PushSettings


@dataclass
class Limiter:
    """Token bucket per city and process: stays below ``quota_share`` of FCM's per-project quota."""

    rate: float
    allowance: float = 0.0
    stamp: float = field(default_factory=time.monotonic)

    async def acquire(self, n: int) -> None:
        while True:
            now = time.monotonic()
            self.allowance = min(self.rate, self.allowance + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.allowance >= min(n, self.rate):
                self.allowance -= n
                return
            await asyncio.sleep((min(n, self.rate) - self.allowance) / self.rate)


_limiters: dict[str, Limiter] = {}
# Cities FCM told to back off (429 + Retry-After): no sends before this time, in this process.
_paused_until: dict[str, dt.datetime] = {}


def limiter_for(slug: str, settings: PushSettings) -> Limiter:
    """The city's bucket in this process; a new one (full) when the configured rate changed."""
    rate = settings.fcm_quota_per_minute / 60 * settings.quota_share
    limiter = _limiters.get(slug)
    if limiter is None or limiter.rate != rate:
        limiter = _limiters[slug] = Limiter(rate=rate, allowance=rate)
    return limiter


def is_paused(slug: str, now: dt.datetime) -> bool:
    """True while FCM's back-off for this city lasts."""
    paused = _paused_until.get(slug)
    return paused is not None and paused > now


def pause(slug: str, until: dt.datetime) -> None:
    """No sends for this city before ``until`` (FCM said so), in this process."""
    _paused_until[slug] = until


def retry_delay(settings: PushSettings, attempt: int, retry_after: float | None) -> float:
    """Seconds until a retryable failure is tried again: exponential backoff, or FCM's ``Retry-After``."""
    backoff = min(settings.backoff_max_seconds, settings.backoff_base_seconds * 2 ** max(0, attempt - 1))
    backoff *= random.uniform(0.5, 1.5)  # jitter: spread the retries of one batch
    if retry_after is not None:
        # FCM said when: wait exactly that long, plus a little spread so a city's deferred
        # messages do not all return in the same second.
        return retry_after + random.uniform(0, min(5.0, retry_after / 10))
    return float(backoff)
