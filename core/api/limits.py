"""Named budgets for costly or abusable routes, on top of the API-wide budget per client.

A route that costs CPU (a password check), creates identities (a device) or sends mail (a pool
sign-up) spends from a budget of its own, keyed by what the abuse would vary least: the client
address, an e-mail address, an account. Keys are hashed before they are counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from litestar.exceptions import TooManyRequestsException


class Verdict(Protocol):
    """One hit's outcome, as the core's counters report it."""

    allowed: bool
    remaining: int
    reset_seconds: int


class Limiter(Protocol):
    """The app's budgets (the core's ``core.http.rate_limit.Limiter``)."""

    async def hit(self, bucket: str, key: str, limit: int, window: int) -> Verdict: ...


def limit_headers(limit: int, window: int, verdict: Verdict) -> dict[str, str]:
    """The IETF draft's ``RateLimit-*`` fields for one budget."""
    return {
        "RateLimit-Policy": f"{limit};w={window}",
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(verdict.remaining),
        "RateLimit-Reset": str(verdict.reset_seconds),
    }


def refuse(limit: int, window: int, verdict: Verdict, detail: str) -> TooManyRequestsException:
    """The 429 for a spent budget, with ``Retry-After``."""
    headers = {**limit_headers(limit, window, verdict), "Retry-After": str(verdict.reset_seconds)}
    return TooManyRequestsException(detail=detail, headers=headers)


@dataclass(frozen=True, slots=True)
class Budget:
    """``limit`` tries per ``per_seconds`` in the budget called ``name`` (unique per deployment)."""

    name: str
    limit: int
    per_seconds: int


class RateLimits:
    """The request's view of the app's budgets (``ctx.limits``): spend, or get a 429."""

    __slots__ = ("_limiter", "address", "tenant")

    def __init__(self, limiter: Limiter, address: str, tenant: str) -> None:
        self._limiter = limiter
        self.address = address
        self.tenant = tenant

    async def spend(self, budget: Budget, key: str | None = None) -> None:
        """One try from ``budget`` for ``key`` (default: the client address) in this city; 429 when spent.

        Call it before the costly work, and with the same key whether or not the thing the key
        names exists (an unknown e-mail spends like a known one: no enumeration by timing or status).
        """
        subject = f"{self.tenant}|{self.address if key is None else key}"
        verdict = await self._limiter.hit(budget.name, subject, budget.limit, budget.per_seconds)
        if not verdict.allowed:
            raise refuse(budget.limit, budget.per_seconds, verdict, "too many attempts; try again later")
