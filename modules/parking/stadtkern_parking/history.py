"""Keeping history small: raw samples become one row per facility and local day, then expire.

A day row holds the 96 quarter-hour means of free spaces (``None`` where nothing was received),
in the city's local time, so a weekday x time-of-day profile reads straight from it. Compaction is
idempotent (a day is computed from its raw samples while they exist) and runs nightly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import city_of, insert_for
from stadtkern_parking.models import DayProfile, Facility, Sample

QUARTERS = 96


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC moments a local day starts and ends (23 or 25 hours on DST days)."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def quarter_of(moment: dt.datetime, tz: ZoneInfo) -> int:
    """The local quarter-hour (0..95) a moment falls in."""
    local = moment.astimezone(tz)
    return local.hour * 4 + local.minute // 15


async def compact_day(session: AsyncSession, day: dt.date, tz: ZoneInfo) -> int:
    """Writes the day rows of ``day`` from its raw samples; returns how many facilities had data."""
    start, end = day_bounds(day, tz)
    rows = await session.execute(
        select(Sample.facility_id, Sample.observed_at, Sample.free).where(
            Sample.observed_at >= start, Sample.observed_at < end
        )
    )
    sums: dict[uuid.UUID, list[list[int]]] = defaultdict(lambda: [[] for _ in range(QUARTERS)])
    for facility_id, observed_at, free in rows.all():
        sums[facility_id][quarter_of(observed_at, tz)].append(free)
    if not sums:
        return 0
    capacities = dict(
        (await session.execute(select(Facility.id, Facility.capacity).where(Facility.id.in_(list(sums))))).all()
    )
    city = city_of(session)
    values = [
        {
            "tenant_id": city,
            "facility_id": facility_id,
            "day": day,
            "free": [round(sum(q) / len(q)) if q else None for q in quarters],
            "capacity": capacities.get(facility_id),
        }
        for facility_id, quarters in sums.items()
    ]
    # The table, not the entity: the core's insert check cannot compile ORM bulk upserts (see ingest).
    stmt = insert_for(session, DayProfile.__table__)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["facility_id", "day"], set_={"free": stmt.excluded.free, "capacity": stmt.excluded.capacity}
        ),
        values,
    )
    return len(values)


async def compact_history(
    session: AsyncSession, tz: ZoneInfo, now: dt.datetime, raw_days: int, keep_days: int
) -> dict[str, int]:
    """Day rows for every finished day still in the raw window, then both retentions applied."""
    today = now.astimezone(tz).date()
    done = set(
        (
            await session.scalars(
                select(DayProfile.day).where(DayProfile.day >= today - dt.timedelta(days=raw_days + 1)).distinct()
            )
        ).all()
    )
    compacted = 0
    for back in range(raw_days + 1, 0, -1):
        day = today - dt.timedelta(days=back)
        if day not in done:
            compacted += await compact_day(session, day, tz)
    raw_cut = now - dt.timedelta(days=raw_days)
    expired_raw = await session.execute(delete(Sample).where(Sample.observed_at < raw_cut))
    expired_days = await session.execute(
        delete(DayProfile).where(DayProfile.day < today - dt.timedelta(days=keep_days))
    )
    return {
        "day_rows": compacted,
        "raw_deleted": int(getattr(expired_raw, "rowcount", 0) or 0),
        "days_deleted": int(getattr(expired_days, "rowcount", 0) or 0),
    }


async def sample_count(session: AsyncSession) -> int:
    """How many raw samples the city keeps (for the tests and the bench)."""
    return int(await session.scalar(select(func.count()).select_from(Sample)) or 0)
