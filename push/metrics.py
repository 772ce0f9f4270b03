"""The push engine's Prometheus metrics: what each batch settled, tokens given up, and the backlog.

Counted where dispatch runs (every worker, and the single process of ``make run``); the series of
several workers add up. The backlog gauges are read from the database at most every
``BACKLOG_EVERY`` seconds per city and process, after a dispatch run: cheap enough to run beside
fan-outs of 100,000 deliveries (an index-only count), fresh enough for an alert on a stuck outbox.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter as Tally

import sqlalchemy as sa
from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import utcnow
from push.backends.base import SendResult
from push.models import (
    DELIVERY_QUEUED,
    OUTBOX_EXPANDED,
    OUTBOX_EXPANDING,
    OUTBOX_PENDING,
    PushDelivery,
    PushOutbox,
)
from push.settling import Outcomes

PUSH_DELIVERIES = Counter(
    "stadtkern_push_deliveries_total",
    "Push deliveries settled by result: sent, retried (later), dead (attempts used up), failed, skipped.",
    ["tenant", "result"],
)
PUSH_DEACTIVATIONS = Counter(
    "stadtkern_push_token_deactivations_total",
    "Device tokens FCM called unusable and the push engine stopped using, by FCM's error code.",
    ["tenant", "reason"],
)
PUSH_OUTBOX_BACKLOG = Gauge(
    "stadtkern_push_outbox_backlog",
    "Notifications due but not fully sent, by state (pending: not expanded yet; expanding; expanded).",
    ["tenant", "state"],
)
PUSH_OUTBOX_OLDEST_AGE = Gauge(
    "stadtkern_push_outbox_oldest_age_seconds",
    "How long the oldest due, unfinished notification has been waiting (0 when none waits).",
    ["tenant"],
)
PUSH_DELIVERIES_QUEUED = Gauge(
    "stadtkern_push_deliveries_queued",
    "Deliveries (one per device and notification) due or waiting for a retry.",
    ["tenant"],
)
BACKLOG_EVERY = 10.0
_backlog_read: dict[str, float] = {}
UNFINISHED = (OUTBOX_PENDING, OUTBOX_EXPANDING, OUTBOX_EXPANDED)


def count_batch(slug: str, out: Outcomes, results: list[SendResult], skipped: int) -> None:
    """What one batch settled, and the tokens it gave up, by FCM's error code."""
    for result, count in (
        ("sent", out.sent),
        ("retried", out.retried),
        ("dead", out.dead),
        ("failed", out.failed),
        ("skipped", skipped),
    ):
        if count:
            PUSH_DELIVERIES.labels(slug, result).inc(count)
    dropped = Tally(r.code or "unknown" for r in results if r.deactivate_token)
    for reason, count in dropped.items():
        PUSH_DEACTIVATIONS.labels(slug, reason).inc(count)


async def observe_backlog(factory: async_sessionmaker[AsyncSession], slug: str, *, force: bool = False) -> None:
    """The city's unfinished notifications and queued deliveries, into the gauges (throttled)."""
    if not force and time.monotonic() - _backlog_read.get(slug, -BACKLOG_EVERY) < BACKLOG_EVERY:
        return
    _backlog_read[slug] = time.monotonic()
    now = utcnow()
    waiting_since = sa.func.coalesce(PushOutbox.not_before, PushOutbox.created_at)
    due = sa.or_(PushOutbox.not_before.is_(None), PushOutbox.not_before <= now)
    async with factory() as session:
        rows = (
            await session.execute(
                sa.select(PushOutbox.state, sa.func.count(), sa.func.min(waiting_since))
                .where(PushOutbox.tenant_id == slug, PushOutbox.state.in_(UNFINISHED), due)
                .group_by(PushOutbox.state)
            )
        ).all()
        queued = await session.scalar(
            sa.select(sa.func.count())
            .select_from(PushDelivery)
            .where(PushDelivery.tenant_id == slug, PushDelivery.state == DELIVERY_QUEUED)
        )
    counts: dict[str, int] = {state: 0 for state in UNFINISHED}
    oldest: dt.datetime | None = None
    for row_state, count, since in rows:
        counts[row_state] = count
        if since is not None and (oldest is None or since < oldest):
            oldest = since
    for state_name, count in counts.items():
        PUSH_OUTBOX_BACKLOG.labels(slug, state_name).set(count)
    PUSH_OUTBOX_OLDEST_AGE.labels(slug).set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    PUSH_DELIVERIES_QUEUED.labels(slug).set(queued or 0)


__all__ = [
    "PUSH_DEACTIVATIONS",
    "PUSH_DELIVERIES",
    "PUSH_DELIVERIES_QUEUED",
    "PUSH_OUTBOX_BACKLOG",
    "PUSH_OUTBOX_OLDEST_AGE",
    "count_batch",
    "observe_backlog",
]
