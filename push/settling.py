"""Settling a sent batch: each delivery's new state, tokens FCM refused, notifications done.

Deliveries are written as one executemany of bind-parameter rows (``b_id``, ``b_state``, ...);
:func:`final` builds the row of a delivery that will not be tried again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import is_postgres
from push.backends.base import OutMessage, SendResult
from push.device_table import core_device
from push.models import (
    DELIVERY_DEAD,
    DELIVERY_FAILED,
    DELIVERY_QUEUED,
    DELIVERY_SENDING,
    DELIVERY_SENT,
    OUTBOX_DONE,
    OUTBOX_EXPANDED,
    PushDelivery,
    PushOutbox,
)
from push.pacing import pause, retry_delay
from push.settings import PushSettings

log = logging.getLogger("stadtkern.push.dispatcher")

D = cast(sa.Table, PushDelivery.__table__)
O = cast(sa.Table, PushOutbox.__table__)  # noqa: E741 - short names keep the SQL readable


@dataclass
class Outcomes:
    """What one batch's results mean for the database, and how many of each kind there were."""

    updates: list[dict[str, Any]]
    deactivate: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0
    retried: int = 0
    dead: int = 0
    failed: int = 0


def final(delivery_id: uuid.UUID, state: str, error: str | None, now: dt.datetime) -> dict[str, Any]:
    """The update row of a delivery that is settled for good (no message id, not sent)."""
    return {"b_id": delivery_id, "b_state": state, "b_error": error, "b_next": now, "b_mid": None, "b_sent": None}


def judge(
    slug: str,
    settings: PushSettings,
    messages: list[OutMessage],
    results: list[SendResult],
    attempts: dict[uuid.UUID, int],
    updates: list[dict[str, Any]],
    now: dt.datetime,
) -> Outcomes:
    """Sent, retried later (backoff or FCM's ``Retry-After``), dead after the last attempt, or
    failed for good; appended to ``updates``. A quota ``Retry-After`` pauses the whole city."""
    out = Outcomes(updates)
    for message, result in zip(messages, results, strict=True):
        if result.ok:
            out.sent += 1
            updates.append(
                {
                    "b_id": message.delivery_id,
                    "b_state": DELIVERY_SENT,
                    "b_error": None,
                    "b_next": now,
                    "b_mid": result.message_id,
                    "b_sent": now,
                }
            )
            continue
        error = f"{result.code}: {result.detail}" if result.detail else result.code
        if result.deactivate_token:
            out.deactivate.append({"b_device": message.device_id, "b_token": message.token})
        attempt = attempts[message.delivery_id]
        if result.retryable and attempt < settings.max_attempts:
            out.retried += 1
            delay = retry_delay(settings, attempt, result.retry_after)
            if result.retry_after is not None and result.code in ("QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED"):
                pause(slug, now + dt.timedelta(seconds=result.retry_after))
            updates.append(
                {
                    "b_id": message.delivery_id,
                    "b_state": DELIVERY_QUEUED,
                    "b_error": error,
                    "b_next": now + dt.timedelta(seconds=delay),
                    "b_mid": None,
                    "b_sent": None,
                }
            )
        elif result.retryable:
            out.dead += 1
            log.warning("push %s: delivery %s dead after %d attempts: %s", slug, message.delivery_id, attempt, error)
            updates.append(final(message.delivery_id, DELIVERY_DEAD, error, now))
        else:
            out.failed += 1
            updates.append(final(message.delivery_id, DELIVERY_FAILED, error, now))
    return out


async def write(session: AsyncSession, out: Outcomes, notification_ids: set[uuid.UUID], now: dt.datetime) -> None:
    """Store the deliveries' new states, deactivate refused tokens, mark finished notifications done."""
    if out.updates:
        await session.execute(
            sa.update(D)
            .where(D.c.id == sa.bindparam("b_id"))
            .values(
                state=sa.bindparam("b_state"),
                error=sa.bindparam("b_error"),
                next_attempt_at=sa.bindparam("b_next"),
                message_id=sa.bindparam("b_mid"),
                sent_at=sa.bindparam("b_sent"),
                claim_token=None,
                updated_at=now,
            ),
            out.updates,
        )
    if out.deactivate:
        # Only the token FCM refused: the app may have registered a new one meanwhile.
        await session.execute(
            sa.update(core_device)
            .where(
                core_device.c.id == sa.bindparam("b_device"),
                core_device.c.push_token == sa.bindparam("b_token"),
            )
            .values(push_token_active=False),
            out.deactivate,
        )
    if notification_ids:
        # Lock the notifications first, in a statement of its own: two dispatchers finishing
        # the last batches of one notification at once would otherwise each see the
        # other's batch still "sending" (uncommitted) and neither would mark it done. The
        # second waits here for the first to commit, and its next statement (a new
        # snapshot under READ COMMITTED) sees the first's deliveries as sent.
        await session.execute(_locked(sa.select(O.c.id).where(O.c.id.in_(notification_ids)).order_by(O.c.id), session))
        await mark_done(session, now, O.c.id.in_(notification_ids))


def _locked(stmt: sa.Select[Any], session: AsyncSession) -> sa.Select[Any]:
    if is_postgres(session):
        return stmt.with_for_update()
    return stmt  # SQLite: the transaction already holds the database's write lock


async def mark_done(session: AsyncSession, now: dt.datetime, which: Any) -> None:
    """Expanded notifications among ``which`` with no delivery queued or sending become done."""
    open_ = sa.select(D.c.id).where(D.c.notification_id == O.c.id, D.c.state.in_([DELIVERY_QUEUED, DELIVERY_SENDING]))
    await session.execute(
        sa.update(O)
        .where(which, O.c.state == OUTBOX_EXPANDED, ~sa.exists(open_))
        .values(state=OUTBOX_DONE, updated_at=now)
    )
