"""Demo data: the embedded default's chargers of Dortmund and Schwerte, and the simulated status feed."""

from __future__ import annotations

import random

from charging_kit import job_context, locations
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.jobs import simulate_status
from stadtkern_charging.models import StatusChange
from stadtkern_charging.services.simulator import simulate
from stadtkern_charging.settings import ChargingSettings

from core.api.tenancy import sessions_for_city
from core.testing import run_seed


async def test_the_demo_cities_have_live_chargers(
    database: str, app: Litestar, sessions: async_sessionmaker[AsyncSession], client: AsyncTestClient[Litestar]
) -> None:
    await run_seed(app, sessions, "charging", "dortmund")
    await run_seed(app, sessions, "charging", "schwerte")
    dortmund, schwerte = await locations(sessions), await locations(sessions, "schwerte")
    assert len(dortmund) == 12 and len(schwerte) == 6
    assert {r.city for r in dortmund.values()} == {"Dortmund"} and {r.city for r in schwerte.values()} == {"Schwerte"}
    response = await client.get(
        "/v1/dortmund/charging/locations", params={"lat": 51.5178, "lon": 7.4592, "radius_m": 1500}
    )
    items = response.json()["items"]
    assert items[0]["name"] == "Hauptbahnhof Nord" and items[0]["live"] and not items[0]["stale"]
    assert items[0]["status"]["total"] == 4 and items[0]["status"]["unknown"] == 0
    free = await client.get(
        "/v1/dortmund/charging/locations", params={"lat": 51.5178, "lon": 7.4592, "radius_m": 1500, "free": "true"}
    )
    assert [i["name"] for i in free.json()["items"]] == ["Friedensplatz"]
    near_schwerte = await client.get("/v1/schwerte/charging/locations", params={"lat": 51.443, "lon": 7.566})
    assert near_schwerte.json()["items"][0]["name"] == "Bahnhof Schwerte"


async def test_the_simulated_feed_moves_statuses_only_when_enabled(
    database: str, app: Litestar, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await run_seed(app, sessions, "charging", "dortmund")
    city = sessions_for_city(sessions, "dortmund")

    async def history() -> int:
        async with city() as session:
            return int(await session.scalar(select(func.count()).select_from(StatusChange)) or 0)

    seeded = await history()
    await simulate_status(job_context(sessions, ChargingSettings()))
    assert await history() == seeded  # off unless the city's settings say so
    async with city() as session, session.begin():
        changed = sum([await simulate(session, random.Random(4711)) for _ in range(10)])
    assert changed > 0 and await history() == seeded + changed
