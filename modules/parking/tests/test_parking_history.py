"""History: the simulated feed writes samples, the nightly job makes day rows and applies retention."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient
from parking_testkit import job_context, states
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_parking.history import compact_history, day_bounds, sample_count
from stadtkern_parking.ingest import store_states, upsert_facilities
from stadtkern_parking.jobs import run_simulate
from stadtkern_parking.models import DayProfile, Facility, Sample
from stadtkern_parking.records import Report, StatusRecord
from stadtkern_parking.seed import _record, demo_facilities
from stadtkern_parking.settings import ParkingSettings
from stadtkern_parking.simulate import DEMO_SOURCE, simulated_free

from core.api import insert_for
from core.api.tenancy import sessions_for_city

BERLIN = ZoneInfo("Europe/Berlin")


async def facilities_of(session: AsyncSession) -> dict[str, tuple[Any, int]]:
    """The city's facilities by source id: (id, capacity)."""
    rows = await session.execute(select(Facility.source_id, Facility.id, Facility.capacity))
    return {sid: (fid, capacity or 0) for sid, fid, capacity in rows.all()}


async def _simulated_feed_moves_only_where_the_city_asks(
    database: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    city = sessions_for_city(sessions, "schwerte")
    async with city() as session, session.begin():
        await upsert_facilities(session, DEMO_SOURCE, [_record(e) for e in demo_facilities("schwerte")], Report(), {})
    await run_simulate(job_context(sessions, ParkingSettings(simulate=False), city="schwerte"))
    assert await states(sessions, DEMO_SOURCE) == {}
    await run_simulate(job_context(sessions, ParkingSettings(simulate=True), city="schwerte"))
    live = await states(sessions, DEMO_SOURCE)
    assert len(live) == 7 and all(0 <= (s.free or 0) <= (s.capacity or 0) for s in live.values())
    assert live["marienkrankenhaus"].capacity == 340
    async with city() as session:
        assert await sample_count(session) == 7


async def test_compaction_makes_quarter_hour_day_rows_and_applies_retention(
    database: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    city = sessions_for_city(sessions, "dortmund")
    now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Dortmund
    async with city() as session, session.begin():
        records = [_record(e) for e in demo_facilities("dortmund")[:3]]
        await upsert_facilities(session, DEMO_SOURCE, records, Report(), {})
        found = await facilities_of(session)
        rng = random.Random(1)
        start, _ = day_bounds(dt.date(2026, 11, 25), BERLIN)
        samples: list[dict[str, Any]] = []
        when = start
        while when <= now:  # five days and a bit, one sample every 5 minutes
            for source_id, (facility_id, capacity) in found.items():
                free = simulated_free(source_id, capacity, when, BERLIN, rng)
                samples.append({"tenant_id": "dortmund", "facility_id": facility_id, "observed_at": when, "free": free})
            when += dt.timedelta(minutes=5)
        await session.execute(insert_for(session, Sample.__table__), samples)
    async with city() as session, session.begin():
        done = await compact_history(session, BERLIN, now, raw_days=3, keep_days=30)
    # raw window 3 days: the 4 finished days before today were compacted, 3 facilities each
    assert done["day_rows"] == 12 and done["raw_deleted"] > 0
    async with city() as session:
        rows = (await session.scalars(select(DayProfile).order_by(DayProfile.day))).all()
        assert sorted({r.day for r in rows}) == [dt.date(2026, 11, d) for d in (26, 27, 28, 29)]
        oldest = await session.scalar(select(Sample.observed_at).order_by(Sample.observed_at).limit(1))
        assert oldest is not None and oldest >= now - dt.timedelta(days=3)
        sunday = next(r for r in rows if r.day == dt.date(2026, 11, 29))
        assert len(sunday.free) == 96 and all(v is not None for v in sunday.free)
        saturday = next(r for r in rows if r.day == dt.date(2026, 11, 28) and r.facility_id == sunday.facility_id)
        # 15:00 local: a busy Saturday leaves fewer spaces than a quiet Sunday
        sat, sun = [v or 0 for v in saturday.free], [v or 0 for v in sunday.free]
        assert sat[60] < sun[60] and sunday.capacity is not None
        assert min(sat) >= 0 and max(sat) <= sunday.capacity
    # a second run finds nothing new; a later one drops day rows past the retention
    async with city() as session, session.begin():
        again = await compact_history(session, BERLIN, now, raw_days=3, keep_days=30)
        assert again["day_rows"] == 0
        later = await compact_history(session, BERLIN, now + dt.timedelta(days=29), raw_days=3, keep_days=30)
        assert later["days_deleted"] == 9  # 26th, 27th, 28th past 30 days; the 29th kept
    await _simulated_feed_moves_only_where_the_city_asks(database, sessions)


async def test_the_forecast_starts_from_the_live_state_and_ends_near_the_profile(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    city = sessions_for_city(sessions, "dortmund")
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(BERLIN).date()
    usual = [300 - 200 * (1 if 36 <= q < 72 else 0) for q in range(96)]  # busy 9:00-18:00, 300 spaces
    async with city() as session, session.begin():
        await upsert_facilities(session, DEMO_SOURCE, [_record(demo_facilities("dortmund")[6])], Report(), {})
        ((facility_id, _),) = (await facilities_of(session)).values()
        days = [
            {
                "tenant_id": "dortmund",
                "facility_id": facility_id,
                "day": today - dt.timedelta(days=n),
                "free": usual,
                "capacity": 315,
            }
            for n in range(1, 57)
        ]
        await session.execute(insert_for(session, DayProfile.__table__), days)
    url = f"/v1/dortmund/parking/facilities/{facility_id}/forecast"
    empty = (await client.get(url)).json()
    assert (empty["based_on_days"], empty["points"]) == (56, [])  # no live state yet: nothing to start from
    quarter = (now.astimezone(BERLIN).hour * 60 + now.astimezone(BERLIN).minute) // 15
    current = usual[quarter] + 10  # ten more free than usual right now
    async with city() as session, session.begin():
        record = StatusRecord(source_id="kuckelke", observed_at=now, free=current, status="open")
        await store_states(session, DEMO_SOURCE, [record], Report(), now)
    points = (await client.get(url)).json()["points"]
    assert [p["minutes"] for p in points] == [15, 30, 60, 90, 120]
    assert all(0 <= p["free"] <= 315 for p in points)
    for point in points:
        expected = usual[(quarter + point["minutes"] // 15) % 96]
        # the deviation of +10 fades: never more than it, never the other way
        assert expected <= point["free"] <= expected + 10, (point, expected)
