"""Expansion: one claimed outbox row becomes one delivery row per targeted device.

Each (notification, device) pair is one row (unique key), so expansion can run again without
duplicating anything. The daily cap skips a device that already had ``daily_cap`` notifications
today (city time); quiet hours defer a delivery to their end.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

import sqlalchemy as sa
from advanced_alchemy.mixins.uuid import uuid7  # type: ignore[attr-defined]
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import TenantInfo, insert_for
from push.models import (
    DELIVERY_FAILED,
    DELIVERY_QUEUED,
    DELIVERY_SKIPPED,
    OUTBOX_DONE,
    OUTBOX_EXPANDED,
    OUTBOX_EXPANDING,
    PushDelivery,
    PushOutbox,
)
from push.settings import PushSettings
from push.targeting import quiet_hours_end, select_targets

INSERT_CHUNK = 2_000
D = cast(sa.Table, PushDelivery.__table__)
O = cast(sa.Table, PushOutbox.__table__)  # noqa: E741 - short names keep the SQL readable


async def expand_outbox(
    session: AsyncSession, tenant: TenantInfo, settings: PushSettings, outbox: dict[str, Any], now: dt.datetime
) -> int | None:
    """Write the delivery rows of one claimed outbox row; returns how many devices were targeted,
    or ``None`` when the row is no longer ours (cancelled, or taken over after our lease ended)."""
    capped = outbox["priority"] != "high" and settings.daily_cap > 0
    candidates = await select_targets(
        session, tenant.slug, outbox["topic"], bool(outbox["default_on"]), outbox["audience"] or {}
    )
    counts = await _sent_today(session, tenant, outbox, now) if capped and candidates else {}
    rows = [
        _delivery_row(tenant, settings, outbox, now, candidate, counts if capped else None) for candidate in candidates
    ]
    targeted = len(rows)
    # Mark it expanded first: if staff cancelled it meanwhile (or another dispatcher took
    # over after our lease ended) nothing matches and no delivery row is written.
    marked = await session.execute(
        sa.update(O)
        .where(O.c.id == outbox["id"], O.c.claim_token == outbox["claim_token"], O.c.state == OUTBOX_EXPANDING)
        .values(
            state=OUTBOX_EXPANDED if rows else OUTBOX_DONE,
            claim_token=None,
            targeted=targeted,
            next_attempt_at=now,
            updated_at=now,
        )
    )
    if not getattr(marked, "rowcount", 0):
        return None
    insert = insert_for(session, D)
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(
            insert.on_conflict_do_nothing(index_elements=["notification_id", "device_id"]),
            rows[start : start + INSERT_CHUNK],
        )
    return targeted


async def _sent_today(
    session: AsyncSession, tenant: TenantInfo, outbox: dict[str, Any], now: dt.datetime
) -> dict[uuid.UUID, int]:
    """Per device, the capped notifications it got since the city's midnight (other than this one)."""
    local_midnight = now.astimezone(tenant.time_zone).replace(hour=0, minute=0, second=0, microsecond=0)
    counted = await session.execute(
        sa.select(D.c.device_id, sa.func.count())
        .join(O, O.c.id == D.c.notification_id)
        .where(
            D.c.tenant_id == tenant.slug,
            O.c.priority != "high",  # urgent warnings are neither capped nor counted
            D.c.created_at >= local_midnight.astimezone(dt.UTC),
            D.c.state.not_in([DELIVERY_SKIPPED, DELIVERY_FAILED]),
            D.c.notification_id != outbox["id"],
        )
        .group_by(D.c.device_id)
    )
    return {row[0]: row[1] for row in counted}


def _delivery_row(
    tenant: TenantInfo,
    settings: PushSettings,
    outbox: dict[str, Any],
    now: dt.datetime,
    candidate: Any,
    counts: dict[uuid.UUID, int] | None,
) -> dict[str, Any]:
    """One device's delivery row: queued now, deferred to the end of its quiet hours, or skipped
    by the daily cap (``counts`` is ``None`` when the notification is not capped)."""
    device_id, locale, q_start, q_end = candidate
    state, reason, due = DELIVERY_QUEUED, None, now
    if counts is not None and counts.get(device_id, 0) >= settings.daily_cap:
        state, reason = DELIVERY_SKIPPED, "daily_cap"
    else:
        quiet_end = quiet_hours_end(now, tenant.time_zone, q_start, q_end)
        if quiet_end is not None:
            due, reason = quiet_end, "quiet_hours"
    return {
        "id": uuid7(),
        "created_at": now,
        "updated_at": now,
        "tenant_id": tenant.slug,
        "notification_id": outbox["id"],
        "device_id": device_id,
        "locale": locale or tenant.locales[0],
        "state": state,
        "attempts": 0,
        "next_attempt_at": due,
        "deferred_reason": reason,
        "error": reason if state == DELIVERY_SKIPPED else None,
    }
