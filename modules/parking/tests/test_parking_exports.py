"""Exports: ParkAPI v3 JSON, NGSI-LD key-values, and DATEX II that our own importer reads back unchanged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient
from parking_testkit import feed_server, job_context, states
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_parking.jobs import poll_sources
from stadtkern_parking.settings import ParkingSettings, SourceConfig

from core.testing import run_seed

BASE = "/v1/dortmund/parking/exports"
StaffFactory = Callable[..., Awaitable[dict[str, str]]]


async def test_parkapi_and_ngsi_views(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await run_seed(app, sessions, "parking", "dortmund")
    sites = (await client.get(f"{BASE}/parkapi/v3/parking-sites")).json()["items"]
    assert len(sites) == 19 and len({s["id"] for s in sites}) == 19
    site = next(s for s in sites if s["name"] == "Friedensplatz")
    assert (site["type"], site["lat"], site["lon"], site["capacity"]) == (
        "UNDERGROUND",
        "51.5099420",
        "7.4665570",
        2580,
    )
    assert site["realtime_opening_status"] == "OPEN" and 0 <= site["realtime_free_capacity"] <= 2580
    assert isinstance(site["id"], int) and site["id"] < 2**53 and site["park_and_ride_type"] == []
    response = await client.get(f"{BASE}/ngsi-ld/entities")
    assert response.headers["content-type"].startswith("application/ld+json")
    entity = next(e for e in response.json() if e["name"] == "Friedensplatz")
    assert entity["type"] == "OffStreetParking" and entity["id"].startswith("urn:ngsi-ld:OffStreetParking:dortmund:")
    assert entity["location"] == {"type": "Point", "coordinates": [7.466557, 51.509942]}
    assert entity["availableSpotNumber"] == site["realtime_free_capacity"] and entity["status"] == ["open"]


async def test_datex2_round_trip_gives_the_same_state(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: StaffFactory,
) -> None:
    await run_seed(app, sessions, "parking", "dortmund")
    editor = await new_staff("dortmund", {"parking": "editor"})
    pins = {p["name"]: p for p in (await client.get("/v1/dortmund/parking/map")).json()["items"]}
    closure = f"/v1/dortmund/parking/facilities/{pins['Theater']['id']}/closure"
    assert (await client.put(closure, json={}, headers=editor)).status_code == 200
    table = await client.get(f"{BASE}/datex2/parking-table.xml")
    status = await client.get(f"{BASE}/datex2/parking-status.xml")
    assert table.status_code == status.status_code == 200
    assert status.headers["content-type"].startswith("application/xml")
    with feed_server() as server:
        source = SourceConfig(
            id="dortmund-datex",
            type="datex2",
            static_url=server.put("/table.xml", table.content),
            url=server.put("/status.xml", status.content),
        )
        static, realtime = await poll_sources(job_context(sessions, ParkingSettings(sources=[source]), "schwerte"))
    assert (static.accepted, static.rejected, realtime.accepted, realtime.rejected) == (19, 0, 19, 0)
    ours = {str(s.facility_id): s for s in (await states(sessions, "demo")).values()}
    again = await states(sessions, "dortmund-datex")
    assert set(again) == set(ours)
    for facility_id, state in again.items():
        original = ours[facility_id]
        expected = "closed" if facility_id == pins["Theater"]["id"] else original.status
        got = (state.free, state.occupied, state.capacity, state.status, state.observed_at)
        assert got == (original.free, original.occupied, original.capacity, expected, original.observed_at)
