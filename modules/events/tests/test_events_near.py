"""Near me: the list's ``lat``/``lon``/``radius_km`` through ``core.api.spatial``'s index, on both databases."""

from __future__ import annotations

import datetime as dt
import math
import types
import uuid
from typing import Any

import pytest
from events_testkit import DORTMUND, event_body, local
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.filters import Filters, filters_of
from stadtkern_events.models import Event, Occurrence
from stadtkern_events.near_cells import cells_of
from stadtkern_events.settings import EventsSettings

from core.api import distance_m, is_postgres, utcnow
from core.testing import staff_headers

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"
PARK = (51.4926, 7.4771)  # the Westfalenpark
EARTH_RADIUS_M = 6_371_008.8


def destination(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` from (lat, lon) towards ``bearing`` degrees on the mean-radius sphere."""
    d, theta = metres / EARTH_RADIUS_M, math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(theta))
    l2 = l1 + math.atan2(math.sin(theta) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


async def _create(client: Client, staff: dict[str, str], point: tuple[float, float], day: int = 3) -> str:
    body = event_body(start=local(day, 19), end=local(day, 21), place={"name": "Ort", "lat": point[0], "lon": point[1]})
    response = await client.post(f"{BASE}/events", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _near(client: Client, radius_km: float, centre: tuple[float, float] = PARK) -> list[str]:
    query = {"lat": centre[0], "lon": centre[1], "radius_km": radius_km, "limit": 200}
    response = await client.get(f"{BASE}/occurrences", params=query)
    assert response.status_code == 200, response.text
    return [item["event_id"] for item in response.json()["items"]]


async def test_near_me_lists_what_lies_within_the_great_circle_radius(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    placed: dict[str, tuple[float, float]] = {}
    for i in range(24):  # rings around the park, every 250 m, each at another bearing and day
        point = destination(*PARK, bearing=i * 47 % 360, metres=250.0 * i)
        placed[await _create(client, staff, point, day=1 + i % 9)] = point
    for radius_km in (0.1, 1.0, 2.4, 3.3, 10.0):
        found = await _near(client, radius_km)
        expected = {e for e, (lat, lon) in placed.items() if distance_m(lat, lon, *PARK) <= radius_km * 1000}
        assert set(found) == expected, radius_km
        assert len(found) == len(expected)  # one occurrence each, listed once
    # still in time order, as without the filter
    response = await client.get(f"{BASE}/occurrences", params={"lat": PARK[0], "lon": PARK[1], "radius_km": 10})
    starts = [item["start"] for item in response.json()["items"]]
    assert starts == sorted(starts)
    # the same statement (built once per shape) serves another city only that city's events
    for radius_km in (1.0, 2.4):
        there = await client.get(
            "/v1/schwerte/events/occurrences", params={"lat": PARK[0], "lon": PARK[1], "radius_km": radius_km}
        )
        assert there.status_code == 200 and there.json()["items"] == [], radius_km


async def test_the_edge_of_the_radius_is_the_same_on_both_databases(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    inside = {await _create(client, staff, destination(*PARK, b, 1999.999)) for b in range(0, 360, 30)}
    for b in range(15, 360, 30):
        await _create(client, staff, destination(*PARK, b, 2000.001))
    assert set(await _near(client, 2.0)) == inside


async def test_moved_and_deleted_events_leave_and_enter_near_me(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    event_id = await _create(client, staff, destination(*PARK, 90, 300))
    other = await _create(client, staff, destination(*PARK, 270, 600))
    assert set(await _near(client, 1.0)) == {event_id, other}

    async def move(point: dict[str, Any] | None) -> None:
        body = event_body(place=point) if point else {**event_body(), "place": None}
        response = await client.put(f"{BASE}/events/{event_id}", json=body, headers=staff)
        assert response.status_code == 200, response.text

    await move({"name": "Zeche Zollern", "lat": 51.5135, "lon": 7.3345})  # about 11 km west
    assert await _near(client, 1.0) == [other]
    assert event_id in await _near(client, 1.0, centre=(51.5135, 7.3345))
    await move(None)  # no place at all
    assert await _near(client, 1.0, centre=(51.5135, 7.3345)) == []
    await move({"name": "Westfalenpark", "lat": PARK[0], "lon": PARK[1]})
    assert set(await _near(client, 1.0)) == {event_id, other}
    assert (await client.delete(f"{BASE}/events/{event_id}", headers=staff)).status_code == 204
    assert await _near(client, 1.0) == [other]
    async with sessions() as session:
        if not is_postgres(session):  # the R*Tree holds exactly the events with a place
            indexed = await session.scalar(text("SELECT count(*) FROM rtree_events_event"))
            placed = await session.scalar(select(func.count()).select_from(Event).where(Event.lat.is_not(None)))
            assert indexed == placed == 1


async def _many_events(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    """``count`` published one-off events spread over Dortmund's 20 km, inserted directly (fast)."""
    now = utcnow()
    events, occurrences = [], []
    for i in range(count):
        event_id, start = uuid.uuid4(), now + dt.timedelta(hours=1 + i % 2000)
        lat, lon = PARK[0] - 0.09 + (i % 97) * 0.0019, PARK[1] - 0.14 + (i // 97 % 97) * 0.0029
        events.append(
            {
                "id": event_id,
                "tenant_id": "dortmund",
                "title": {"de": f"Veranstaltung {i}"},
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=2),
                "time_zone": "Europe/Berlin",
                "lat": lat,
                "lon": lon,
                "published": True,
                "expanded_until": now + dt.timedelta(days=400),
            }
        )
        occurrences.append(
            {
                "tenant_id": "dortmund",
                "event_id": event_id,
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=2),
                "recurrence_id": start,
                "status": "scheduled",
                "published": True,
                "lat": lat,
                "lon": lon,
                **cells_of(lat, lon),
            }
        )
    async with sessions() as session, session.begin():
        await session.execute(insert(Event), events)
        await session.execute(insert(Occurrence), occurrences)


async def test_the_near_me_query_runs_on_the_spatial_index(sessions: async_sessionmaker[AsyncSession]) -> None:
    await _many_events(sessions, 5_000)
    async with sessions() as session:
        ctx: Any = types.SimpleNamespace(session=session, settings=EventsSettings(), tenant=DORTMUND)
        filters = Filters(
            start=None,
            end=None,
            when=None,
            category=None,
            district=None,
            lat=PARK[0],
            lon=PARK[1],
            radius_km=1.0,
            free=None,
            accessibility=None,
            q=None,
            hide_cancelled=True,
        )
        # the list's query as _build_page runs it (the city's filter is what the session adds)
        stmt = (
            filters.statement(ctx, utcnow())
            .where(Event.tenant_id == "dortmund", Occurrence.tenant_id == "dortmund")
            .order_by(Occurrence.starts_at, Occurrence.event_id)
            .limit(51)
        )
        sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        if is_postgres(session):
            await session.execute(text("ANALYZE events_event"))
            await session.execute(text("ANALYZE events_occurrence"))
            plan = "\n".join(row[0] for row in await session.execute(text(f"EXPLAIN {sql}")))
            assert "ix_events_event_point" in plan, plan
        else:
            plan = "\n".join(row[-1] for row in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "rtree_events_event VIRTUAL TABLE INDEX" in plan, plan
        rows = (await session.scalars(stmt)).all()
        assert rows and all(distance_m(r.event.lat, r.event.lon, *PARK) <= 1000 for r in rows)


async def _pages(client: Client, params: dict[str, Any]) -> list[tuple[str, str]]:
    seen, cursor = [], None
    while True:
        response = await client.get(f"{BASE}/occurrences", params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        seen += [(item["start"], item["event_id"]) for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen


@pytest.mark.parametrize("radius_km", [0.4, 1.2, 2.4, 5.5, 8.0])  # small cells, medium cells, the index
async def test_near_me_pages_in_time_order_through_the_grid_cells(
    client: Client, sessions: async_sessionmaker[AsyncSession], radius_km: float
) -> None:
    staff = await staff_headers(client, sessions)
    placed: dict[str, tuple[tuple[float, float], str]] = {}
    for i in range(30):  # a spiral out to 7.25 km, across cell borders, two categories, 4 weekly dates each
        point = destination(*PARK, bearing=i * 137 % 360, metres=250.0 * i)
        category = "concert" if i % 2 else "market"
        body = event_body(
            start=local(1 + i % 6, 8 + i % 12),
            end=local(1 + i % 6, 9 + i % 12),
            place={"name": "Ort", "lat": point[0], "lon": point[1]},
            categories=[category],
            rrule="FREQ=WEEKLY;COUNT=4",
        )
        response = await client.post(f"{BASE}/events", json=body, headers=staff)
        assert response.status_code == 201, response.text
        placed[response.json()["id"]] = (point, category)
    base = {"lat": PARK[0], "lon": PARK[1], "radius_km": radius_km, "limit": 7}
    for extra in ({}, {"category": "concert"}):
        seen = await _pages(client, {**base, **extra})
        inside = {
            e
            for e, (point, category) in placed.items()
            if distance_m(*point, *PARK) <= radius_km * 1000 and extra.get("category", category) == category
        }
        assert {e for _, e in seen} == inside, (radius_km, extra)
        assert len(seen) == 4 * len(inside)  # every weekly date once, none twice across pages
        everything = await _pages(client, {**base, **extra, "limit": 200})
        assert seen == everything  # the same order page by page as in one go: soonest first


async def test_the_near_me_page_runs_on_the_cell_index(sessions: async_sessionmaker[AsyncSession]) -> None:
    await _many_events(sessions, 2_000)
    async with sessions() as session:
        ctx: Any = types.SimpleNamespace(session=session, settings=EventsSettings(), tenant=DORTMUND)
        filters = filters_of(None, None, None, None, None, PARK[0], PARK[1], 2.0, None, None, None, True)
        cells = filters.cells()
        assert cells is not None and cells[0] == "cell_m"
        stmt, order, values = filters.near_page(ctx, utcnow(), cells, cursor=None, limit=50)
        stmt = stmt.params(values or {}).where(Event.tenant_id == "dortmund").order_by(*order).limit(51)
        sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        sql = sql.replace(
            "WHERE events_occurrence.published",
            "WHERE events_occurrence.tenant_id = 'dortmund' AND events_occurrence.published",
        )
        if is_postgres(session):
            await session.execute(text("ANALYZE events_occurrence"))
            plan = "\n".join(row[0] for row in await session.execute(text(f"EXPLAIN {sql}")))
        else:
            plan = "\n".join(row[-1] for row in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        assert "ix_events_occurrence_cell_m" in plan, plan
        assert "Seq Scan on events_occurrence" not in plan, plan
