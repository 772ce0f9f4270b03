"""The residents' list from the in-memory records answers what the database path answers, and a
write in another session (another process, a job) is seen by the very next list."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from charging_kit import CCS_50, CCS_150, CHADEMO_50, T2_11, T2_22, ocpi_location, store_ocpi
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.models import Evse, Location
from stadtkern_charging.services.nearby import nearest_records
from stadtkern_charging.services.query import Filters, nearest
from stadtkern_charging.services.snapshot import SNAPSHOTS

from core.api import utcnow
from core.api.tenancy import sessions_for_city

Sessions = async_sessionmaker[AsyncSession]
URL = "/v1/dortmund/charging/locations"
CENTRE = (51.5136, 7.4653)
PLUGS = [[CCS_150], [T2_22], [CCS_50, T2_11], [CHADEMO_50, CCS_50], [T2_11]]
STATUSES = ["AVAILABLE", "CHARGING", "OUTOFORDER", "REMOVED", "BLOCKED"]
FILTERS = [
    Filters(),
    Filters(plugs=("IEC_62196_T2_COMBO",), min_power_w=50_000, available_now=True),
    Filters(plugs=("IEC_62196_T2",), max_power_w=12_000),
    Filters(operators=("dew21",)),
    Filters(exclude_operators=("DEW21",)),
    Filters(available_now=True, open_now=True),
]


async def _many(sessions: Sessions, count: int = 160) -> None:
    rng = random.Random(8)
    raws = []
    for n in range(count):
        evses = [(f"{n}-{k}", rng.choice(STATUSES), rng.choice(PLUGS)) for k in range(rng.randint(1, 3))]
        operator = {"name": rng.choice(["DEW21", "EnBW", "Stadtwerke"])}
        lat, lon = CENTRE[0] + rng.uniform(-0.05, 0.05), CENTRE[1] + rng.uniform(-0.08, 0.08)
        raws.append(ocpi_location(f"L{n:03d}", lat, lon, evses, operator=operator, publish=n % 17 != 0))
    await store_ocpi(sessions, raws)
    async with sessions() as session, session.begin():
        await session.execute(update(Evse).values(status_reported_at=utcnow()))


async def _pages(step: Any, limit: int) -> list[tuple[str, float]]:
    seen: list[tuple[str, float]] = []
    cursor = None
    for _ in range(100):
        rows, cursor = await step(cursor, limit)
        seen += [(str(row.id), round(distance, 6)) for row, distance in rows]
        if cursor is None:
            return seen
    raise AssertionError("no last page")


async def test_the_records_give_the_database_paths_answers_page_by_page(sessions: Sessions, app: Litestar) -> None:
    await _many(sessions)
    city = sessions_for_city(sessions, "dortmund")
    now = utcnow()
    fresh = now - dt.timedelta(minutes=15)
    async with city() as session:
        snapshot = await SNAPSHOTS.current(sessions.kw["bind"], "dortmund", session)
        for filters in FILTERS:
            for radius in (800.0, 9000.0):

                async def in_memory(
                    cursor: str | None, limit: int, filters: Filters = filters, radius: float = radius
                ) -> Any:
                    return nearest_records(
                        snapshot.grid, filters, *CENTRE, radius, now=now, fresh_since=fresh, cursor=cursor, limit=limit
                    )

                async def database(
                    cursor: str | None, limit: int, filters: Filters = filters, radius: float = radius
                ) -> Any:
                    return await nearest(
                        session, filters, *CENTRE, radius, now=now, fresh_since=fresh, cursor=cursor, limit=limit
                    )

                expected = await _pages(database, 7)
                assert await _pages(in_memory, 7) == expected, (filters, radius)
                assert await _pages(in_memory, 50) == expected
                if radius == 9000.0 and filters == Filters():
                    assert len(expected) > 100  # the case is not trivially small


async def test_a_write_elsewhere_is_seen_by_the_next_list(
    sessions: Sessions, client: AsyncTestClient[Litestar]
) -> None:
    await store_ocpi(sessions, [ocpi_location("A", *CENTRE, [("a1", "AVAILABLE", [CCS_150])])])
    city = sessions_for_city(sessions, "dortmund")
    async with city() as session, session.begin():
        await session.execute(update(Evse).values(status_reported_at=utcnow()))
    params = {"lat": CENTRE[0], "lon": CENTRE[1]}

    async def free() -> list[int]:
        response = await client.get(URL, params=params)
        assert response.status_code == 200, response.text
        return [item["status"]["free"] for item in response.json()["items"]]

    assert await free() == [1]
    assert await free() == [1]  # from the records now
    # a status write in a session of its own, as an OCPI push handled by another API process
    async with city() as session, session.begin():
        await session.execute(update(Evse).values(status="CHARGING"))
    assert await free() == [0]
    # a static write: a new location, and one unpublished
    await store_ocpi(sessions, [ocpi_location("B", CENTRE[0] + 0.001, CENTRE[1], [("b1", "AVAILABLE", [T2_22])])])
    async with city() as session, session.begin():
        await session.execute(update(Evse).where(Evse.uid == "b1").values(status_reported_at=utcnow()))
    assert await free() == [0, 1]
    async with city() as session, session.begin():
        await session.execute(update(Location).where(Location.ocpi_id == "A").values(publish=False))
    assert await free() == [1]
    # by the clock alone: a status older than the stale limit turns unknown without any write
    async with city() as session, session.begin():
        await session.execute(update(Evse).values(status_reported_at=utcnow() - dt.timedelta(hours=3)))
    response = (await client.get(URL, params=params)).json()["items"]
    assert response[0]["stale"] and response[0]["status"]["unknown"] == 1
