"""The resident API on the seeded demo car parks: the map call, near me with filters, detail, stale data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient
from parking_testkit import states
from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_parking.mapcache import city_map
from stadtkern_parking.mapview import map_items
from stadtkern_parking.models import Facility, FacilityState

from core.api import distance_m, parse_since
from core.api.tenancy import sessions_for_city
from core.testing import run_seed

BASE = "/v1/dortmund/parking"
FRIEDENSPLATZ = (51.509942, 7.466557)


async def _seeded(app: Litestar, sessions: async_sessionmaker[AsyncSession]) -> None:
    """The demo data, as if seeded five minutes ago (a sync token lags a few seconds behind)."""
    await run_seed(app, sessions, "parking", "dortmund")
    back = dt.timedelta(minutes=5)
    facility, state = Facility.__table__, FacilityState.__table__
    assert isinstance(facility, Table) and isinstance(state, Table)
    async with sessions() as session, session.begin():
        for fid, updated in (await session.execute(select(facility.c.id, facility.c.updated_at))).all():
            await session.execute(update(facility).where(facility.c.id == fid).values(updated_at=updated - back))
        rows = (await session.execute(select(state.c.facility_id, state.c.received_at, state.c.observed_at))).all()
        for fid, received, observed in rows:
            await session.execute(
                update(state)
                .where(state.c.facility_id == fid)
                .values(received_at=received - back, observed_at=observed - back)
            )


async def test_the_map_has_every_car_park_with_live_state_etag_and_delta(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _seeded(app, sessions)
    first = await client.get(f"{BASE}/map")
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["items"]) == 19 and body["deleted"] == []
    pin = next(i for i in body["items"] if i["name"] == "Friedensplatz")
    assert (pin["lat"], pin["lon"], pin["capacity"], pin["kind"]) == (*FRIEDENSPLATZ, 2580, "underground")
    assert 0 <= pin["free"] <= 2580 and pin["stale"] is False and pin["status"] == "open"
    assert set(pin) == {
        "id",
        "name",
        "kind",
        "park_and_ride",
        "lat",
        "lon",
        "capacity",
        "free",
        "status",
        "stale",
        "observed_at",
    }
    # nothing moved: the same ETag, and 304 for a client that has it
    etag = first.headers["etag"]
    again = await client.get(f"{BASE}/map", headers={"If-None-Match": etag})
    assert again.status_code == 304
    # a delta right after: nothing changed since the token
    delta = (await client.get(f"{BASE}/map", params={"since": body["sync_token"]})).json()
    assert delta["items"] == [] and delta["deleted"] == []
    # Schwerte's map is Schwerte's (nothing seeded there)
    assert (await client.get("/v1/schwerte/parking/map")).json()["items"] == []


async def test_near_me_sorted_by_distance_with_filters(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _seeded(app, sessions)
    lat, lon = FRIEDENSPLATZ
    near = await client.get(f"{BASE}/facilities", params={"lat": lat, "lon": lon, "radius_m": 600})
    assert near.status_code == 200, near.text
    items = near.json()["items"]
    assert items[0]["name"] == "Friedensplatz" and items[0]["distance_m"] == 0
    distances = [i["distance_m"] for i in items]
    assert distances == sorted(distances) and max(distances) <= 600
    for item in items:
        assert abs(item["distance_m"] - distance_m(item["lat"], item["lon"], lat, lon)) < 0.1
        assert item["state"]["age_seconds"] >= 0 and item["state"]["stale"] is False
    # paging keeps the order
    page1 = (await client.get(f"{BASE}/facilities", params={"lat": lat, "lon": lon, "limit": 3})).json()
    page2 = (
        await client.get(
            f"{BASE}/facilities", params={"lat": lat, "lon": lon, "limit": 3, "cursor": page1["next_cursor"]}
        )
    ).json()
    names = [i["name"] for i in page1["items"] + page2["items"]]
    whole = [
        i["name"] for i in (await client.get(f"{BASE}/facilities", params={"lat": lat, "lon": lon})).json()["items"]
    ]
    assert names == whole[:6]
    # filters
    underground = (await client.get(f"{BASE}/facilities", params={"type": "underground", "limit": 200})).json()
    assert {i["kind"] for i in underground["items"]} == {"underground"} and len(underground["items"]) == 13
    surface = (await client.get(f"{BASE}/facilities", params={"type": "surface"})).json()["items"]
    assert [i["name"] for i in surface] == ["Rathaus/Stadtgarten"]
    assert (await client.get(f"{BASE}/facilities", params={"park_and_ride": True})).json()["items"] == []
    assert (await client.get(f"{BASE}/facilities", params={"disabled": True})).json()["items"] == []
    open_now = (await client.get(f"{BASE}/facilities", params={"open_now": True, "limit": 200})).json()["items"]
    assert len(open_now) == 19
    await _bad_queries_name_the_field(client)


async def _bad_queries_name_the_field(client: AsyncTestClient[Litestar]) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"lat": 51.5}, "query.lon"),
        ({"lon": 7.4}, "query.lat"),
        ({"lat": 51.5, "lon": 7.4, "radius_m": 0}, "query.radius_m"),
        ({"lat": 95, "lon": 7.4}, "query.lat"),
        ({"type": "garage"}, "query.type"),
        ({"limit": 500}, "query.limit"),
    ]
    for params, field in cases:
        response = await client.get(f"{BASE}/facilities", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json()["errors"]], (params, response.json())
    assert (await client.get(f"{BASE}/map", params={"since": "not-a-token"})).status_code == 422


async def test_stale_state_is_marked_and_not_counted_as_live(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _seeded(app, sessions)
    token = (await client.get(f"{BASE}/map")).json()["sync_token"]
    live = await states(sessions, "demo")
    friedensplatz = next(iter(s for k, s in live.items() if k == "friedensplatz"))
    # the feed delivers an observation 15 minutes old: received now, stale at once
    now = dt.datetime.now(dt.UTC)
    old = now - dt.timedelta(seconds=901)  # the test manifest's stale_after_seconds: 900
    async with sessions() as session, session.begin():
        await session.execute(
            update(FacilityState)
            .where(FacilityState.facility_id == friedensplatz.facility_id)
            .values(observed_at=old, received_at=now, free=100)
        )
    pins = {i["name"]: i for i in (await client.get(f"{BASE}/map")).json()["items"]}
    assert pins["Friedensplatz"]["stale"] is True and pins["Friedensplatz"]["free"] == 100
    assert pins["Kuckelke"]["stale"] is False
    delta = (await client.get(f"{BASE}/map", params={"since": token})).json()["items"]
    assert [i["name"] for i in delta] == ["Friedensplatz"]
    # with nothing received, the clock alone turns states stale: the delta tells a client so
    later = now + dt.timedelta(minutes=11)  # the others were observed 5 minutes ago
    async with sessions_for_city(sessions, "dortmund")() as session:
        went = await map_items(session, later, 900, parse_since(token))
    assert len(went) == 19 and all(i.stale for i in went)
    detail = (await client.get(f"{BASE}/facilities/{friedensplatz.facility_id}")).json()
    assert detail["state"]["stale"] is True and detail["state"]["age_seconds"] >= 901
    with_free = (await client.get(f"{BASE}/facilities", params={"has_free": True, "limit": 200})).json()["items"]
    assert "Friedensplatz" not in [i["name"] for i in with_free] and len(with_free) == 18
    open_now = (await client.get(f"{BASE}/facilities", params={"open_now": True, "limit": 200})).json()["items"]
    assert "Friedensplatz" in [i["name"] for i in open_now]  # no live word, but open 24/7


async def test_detail_has_the_last_24_hours(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _seeded(app, sessions)
    pins = (await client.get(f"{BASE}/map")).json()["items"]
    kuckelke = next(p for p in pins if p["name"] == "Kuckelke")
    response = await client.get(f"{BASE}/facilities/{kuckelke['id']}")
    assert response.status_code == 200, response.text
    detail = response.json()
    assert (detail["name"], detail["address"], detail["capacity"], detail["source"]) == (
        "Kuckelke",
        "Kuckelke 3, Dortmund",
        315,
        "demo",
    )
    curve = detail["last_24h"]
    assert 95 <= len(curve) <= 97
    moments = [dt.datetime.fromisoformat(at) for at, _ in curve]
    assert moments == sorted(moments)
    assert moments[-1] - moments[0] >= dt.timedelta(hours=23, minutes=30)
    assert all(0 <= free <= 315 for _, free in curve)
    assert len({free for _, free in curve}) > 10  # the simulated day moves
    missing = await client.get(f"{BASE}/facilities/0190e0d4-0000-7000-8000-000000000000")
    assert missing.status_code == 404
    # another city cannot read it by id
    assert (await client.get(f"/v1/schwerte/parking/facilities/{kuckelke['id']}")).status_code == 404


async def test_the_cached_map_turns_stale_by_the_clock_alone(
    app: Litestar, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _seeded(app, sessions)  # observed five minutes ago; stale after 15
    engine = sessions.kw["bind"]
    city = sessions_for_city(sessions, "dortmund")
    now = dt.datetime.now(dt.UTC)
    async with city() as session:
        first = await city_map(engine, "dortmund", session, now, 900)
        again = await city_map(engine, "dortmund", session, now + dt.timedelta(minutes=1), 900)
        assert again is first  # nothing changed: the same bytes from memory
        assert first.valid_until <= now + dt.timedelta(minutes=10, seconds=1)
        later = await city_map(engine, "dortmund", session, now + dt.timedelta(minutes=11), 900)
    assert later is not first
    pins = msgspec.json.decode(later.body)["items"]
    assert len(pins) == 19 and all(p["stale"] for p in pins)
    assert not any(p["stale"] for p in msgspec.json.decode(first.body)["items"])
