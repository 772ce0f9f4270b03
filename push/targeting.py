"""Who a notification reaches and in which words: subscriptions, audience, quiet hours, language."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from push.device_table import core_device
from push.models import PushPreference, PushSubscription


def in_quiet_hours(local: dt.datetime, start: int, end: int) -> bool:
    minute = local.hour * 60 + local.minute
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def quiet_hours_end(now: dt.datetime, tz: ZoneInfo, start: int | None, end: int | None) -> dt.datetime | None:
    """When the device's quiet hours end, if ``now`` falls inside them (else None)."""
    if start is None or end is None:
        return None
    local = now.astimezone(tz)
    if not in_quiet_hours(local, start, end):
        return None
    candidate = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + dt.timedelta(days=1)).replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
        candidate = candidate.replace(tzinfo=tz)  # re-resolve the offset across a DST change
    return candidate.astimezone(dt.UTC)


def _matches(wanted: Sequence[str], chosen: Sequence[str]) -> bool:
    """Audience narrowing: a device that narrowed nothing wants everything."""
    return not wanted or not chosen or bool(set(wanted) & set(chosen))


async def select_targets(
    session: AsyncSession, tenant: str, topic: str, default_on: bool, audience: dict[str, Any]
) -> list[tuple[Any, str, int | None, int | None]]:
    """Devices a notification reaches: (id, locale, quiet start, quiet end).

    A device with an active token that opted in to the topic (or made no choice on a topic that
    is on by default), narrowed by the audience: a device that chose districts or categories
    gets only notifications for those; one that chose none gets all of them.
    """
    s = PushSubscription.__table__
    p = PushPreference.__table__
    stmt = (
        sa.select(
            core_device.c.id,
            core_device.c.locale,
            s.c.districts,
            s.c.categories,
            p.c.quiet_start,
            p.c.quiet_end,
            p.c.district,
        )
        .select_from(core_device)
        .outerjoin(s, sa.and_(s.c.device_id == core_device.c.id, s.c.topic == topic))
        .outerjoin(p, p.c.device_id == core_device.c.id)
        .where(
            core_device.c.tenant_id == tenant,
            core_device.c.push_token.is_not(None),
            core_device.c.push_token_active.is_(True),
            sa.or_(s.c.enabled.is_(True), sa.and_(s.c.id.is_(None), sa.literal(default_on))),
        )
    )
    device_ids = [uuid.UUID(str(d)) for d in audience.get("device_ids", ())]
    if device_ids:
        stmt = stmt.where(core_device.c.id.in_(device_ids))
    want_districts = audience.get("districts", ())
    want_categories = audience.get("categories", ())
    targets: list[tuple[Any, str, int | None, int | None]] = []
    for device_id, locale, districts, categories, q_start, q_end, home in (await session.execute(stmt)).all():
        chosen_districts = list(districts or ()) or ([home] if home else [])
        if not _matches(want_districts, chosen_districts):
            continue
        if not _matches(want_categories, list(categories or ())):
            continue
        targets.append((device_id, locale, q_start, q_end))
    return targets
