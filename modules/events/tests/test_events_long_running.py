"""Occurrences that started before the list's window and still run (an exhibition, a fair, a
festival, a market day) are listed first, through every way the list is read: the plain list, a
page at a time, near me, and with a filter on the events; and events_0008 classifies old rows."""

from __future__ import annotations

import datetime as dt
import types
from typing import Any

import pytest
from events_testkit import BERLIN, DORTMUND, event_body
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.filters import filters_of
from stadtkern_events.models import Event, Occurrence
from stadtkern_events.settings import EventsSettings
from test_events_near import _many_events
from test_events_texts_migration import _migrate_events

from core.api import is_postgres, utcnow
from core.testing import staff_headers

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"
PARK = (51.4926, 7.4771)
# (name, hours from now to the start, duration in hours, its class)
RUNNING = (
    ("Ausstellung", -24 * 30, 24 * 70, 3),  # 70 days, a month in
    ("Messe", -24 * 8, 24 * 10, 2),
    ("Festival", -30, 48, 1),
    ("Markt", -7, 8, 1),  # started before the 6 hours a short one can last
    ("Konzert", -4, 5, 0),
)
OVER = (("Vortrag", -3, 2, 0), ("Wochenende", -24 * 3, 40, 1))
LATER = (("Lesung", 5, 2, 0), ("Flohmarkt", 30, 9, 1), ("Kunstwoche", 24 * 3, 24 * 7, 2))


def _at(hours: float) -> str:
    now = dt.datetime.now(BERLIN).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    return (now + dt.timedelta(hours=hours)).isoformat()


async def _create_all(client: Client, staff: dict[str, str]) -> dict[str, str]:
    ids = {}
    for name, start, hours, _ in (*RUNNING, *OVER, *LATER):
        category = "exhibition" if name in ("Ausstellung", "Kunstwoche") else "market"
        body = event_body(
            title={"de": name},
            start=_at(start),
            end=_at(start + hours),
            place={"name": name, "lat": PARK[0], "lon": PARK[1]},
            categories=[category],
        )
        created = await client.post(f"{BASE}/events", json=body, headers=staff)
        assert created.status_code == 201, created.text
        ids[created.json()["id"]] = name
    return ids


async def _titles(client: Client, query: dict[str, Any], ids: dict[str, str]) -> list[str]:
    """Every page of the list for ``query``, as the events' names in the order listed."""
    names, cursor = [], None
    while True:
        page = await client.get(f"{BASE}/occurrences", params={**query, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        names += [ids[item["event_id"]] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return names


async def test_what_still_runs_is_listed_first_by_every_way_of_reading_the_list(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    ids = await _create_all(client, staff)
    expected = [name for name, *_ in RUNNING] + [name for name, *_ in LATER]
    near: dict[str, Any] = {"lat": PARK[0], "lon": PARK[1], "radius_km": 1.0}
    for query in ({}, {"limit": 2}, near, {**near, "limit": 2}, {**near, "radius_km": 0.3, "limit": 3}):
        assert await _titles(client, query, ids) == expected, query
    # a filter on the events takes the general statement; the same rows
    assert await _titles(client, {"category": "exhibition"}, ids) == ["Ausstellung", "Kunstwoche"]
    # a window starting in two weeks: the exhibition still runs then, nothing else does
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=14)).isoformat()
    queries: list[dict[str, Any]] = [{"from": later}, {"from": later, **near}]
    for query in queries:
        assert await _titles(client, query, ids) == ["Ausstellung"], query

    async with sessions() as session:
        classes: dict[Any, int] = dict(
            (await session.execute(select(Event.id, Occurrence.duration_class).join(Occurrence.event))).all()
        )
    assert {ids[str(e)]: c for e, c in classes.items()} == {name: c for name, _, _, c in (*RUNNING, *OVER, *LATER)}


async def test_the_migration_classifies_the_occurrences_already_stored(
    client: Client, sessions: async_sessionmaker[AsyncSession], database: str
) -> None:
    staff = await staff_headers(client, sessions)
    ids = await _create_all(client, staff)
    async with sessions() as session:
        await session.execute(text("UPDATE events_occurrence SET duration_class = 0"))  # as events_0008 found them
        await session.commit()
    await _migrate_events(database, "events_0007")
    await _migrate_events(database, "head")
    async with sessions() as session:
        rows = await session.execute(select(Event.id, Occurrence.duration_class).join(Occurrence.event))
        found = {ids[str(e)]: c for e, c in rows.all()}
    assert found == {name: c for name, _, _, c in (*RUNNING, *OVER, *LATER)}
    # and the list reads them as before
    expected = [name for name, *_ in RUNNING] + [name for name, *_ in LATER]
    assert await _titles(client, {}, ids) == expected


async def test_a_window_in_the_future_reads_a_range_of_starts(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Half a year ahead, the list's plan reads the starts from 6 hours before the window on (the
    short ones) and the long ones through their own index; not every start before the window."""
    await _many_events(sessions, 2_000)
    async with sessions() as session:
        ctx: Any = types.SimpleNamespace(session=session, settings=EventsSettings(), tenant=DORTMUND)
        start = utcnow() + dt.timedelta(days=180)
        filters = filters_of(start, None, None, None, None, None, None, 5.0, None, None, None, True)
        plain = filters.plain_page(ctx, utcnow(), cursor=None, limit=50)
        assert plain is not None
        stmt, order, values = plain
        stmt = stmt.params(values).order_by(*order).limit(51)
        sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        # the city's condition, which the session adds when it executes
        sql = sql.replace(
            "WHERE events_occurrence.published",
            "WHERE events_occurrence.tenant_id = 'dortmund' AND events_occurrence.published",
        )
        assert sql.count("tenant_id = 'dortmund'") == sql.count("FROM events_occurrence") == 4, sql
        if is_postgres(session):
            await session.execute(text("ANALYZE events_occurrence"))
            plan = "\n".join(row[0] for row in await session.execute(text(f"EXPLAIN {sql}")))
            assert "Index Scan using ix_events_occurrence_list" in plan, plan
            assert "AND (published = true) AND (starts_at >= " in plan, plan  # a lower bound
            assert "Merge Append" in plan, plan  # the parts in order, stopping after the page
        else:
            plan = "\n".join(row[-1] for row in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            bounded = "ix_events_occurrence_list (tenant_id=? AND published=? AND starts_at>? AND starts_at<?)"
            assert bounded in plan, plan
        assert plan.count("ix_events_occurrence_long") == 3, plan  # one part per long class


async def test_a_search_is_planned_for_its_own_words(sessions: async_sessionmaker[AsyncSession]) -> None:
    """PostgreSQL plans a words' page each time (a generic plan walked the starts for a rare word)."""
    from stadtkern_events.controllers import _build_page

    async with sessions() as session:
        if not is_postgres(session):
            pytest.skip("plan_cache_mode is PostgreSQL's; SQLite plans every statement anew")
        ctx: Any = types.SimpleNamespace(session=session, settings=EventsSettings(), tenant=DORTMUND, locales=("de",))
        for words, expected in ((None, "auto"), ("konzert", "force_custom_plan")):
            filters = filters_of(None, None, None, None, None, None, None, 5.0, None, None, words, True)
            await _build_page(ctx, filters, utcnow(), 1, since=None, cursor=None, limit=50)
            assert (await session.execute(text("SHOW plan_cache_mode"))).scalar() == expected, words
