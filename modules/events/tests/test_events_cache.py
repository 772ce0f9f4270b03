"""The cached list is never stale: not after a write made through another API process, not after
time passes (an occurrence ends and leaves "upcoming", a day rolls over)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable

import pytest
import stadtkern_events.controllers as controllers
from events_testkit import BERLIN, DORTMUND, event_body, job_context, local
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.cache import VersionReader, events_version
from stadtkern_events.feeds import sync_feed
from stadtkern_events.jobs import extend_horizon
from stadtkern_events.models import Event
from stadtkern_events.settings import EventsSettings, FeedConfig

from core.api import utcnow
from core.api.push import BoundPush
from core.api.tenancy import sessions_for_city
from core.testing import staff_headers
from push.services import PushService

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"


def _ics() -> bytes:
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).strftime("%Y%m%dT%H%M%SZ")
    end = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2, hours=2)).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//test//test//DE",
        "BEGIN:VEVENT",
        "UID:feed-1@test",
        f"DTSTAMP:{start}",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        "SUMMARY:Aus dem Feed",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines).encode()


@pytest.fixture
async def reader(app_factory: Callable[..., Litestar]) -> AsyncIterator[Client]:
    """A second API process on the same database (its own engine, pool and page cache)."""
    async with AsyncTestClient(app=app_factory()) as other:
        yield other


async def _titles(client: Client, query: str = "") -> list[str]:
    response = await client.get(f"{BASE}/occurrences{query}")
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def _version(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(select(events_version.c.version).where(events_version.c.tenant_id == "dortmund")) or 0
        )


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(BERLIN).isoformat()


async def test_cached_page_is_really_served(
    client: Client, reader: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Proof that the cache is in play: a change made behind the module's back (no version bump)
    is not seen, while the same change through the module is, in the other process."""
    staff = await staff_headers(client, sessions)
    created = (await client.post(f"{BASE}/events", json=event_body(), headers=staff)).json()
    assert await _titles(reader) == ["Konzert im Park"]
    async with sessions() as session, session.begin():
        await session.execute(update(Event).where(Event.id == created["id"]).values(title={"de": "Heimlich"}))
    assert await _titles(reader) == ["Konzert im Park"]  # served from the cache
    changed = event_body(title={"de": "Offiziell"})
    assert (await client.put(f"{BASE}/events/{created['id']}", json=changed, headers=staff)).status_code == 200
    assert await _titles(reader) == ["Offiziell"]


async def test_writes_through_another_process_are_seen_at_once(
    client: Client, reader: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    assert await _titles(reader) == []
    created = (await client.post(f"{BASE}/events", json=event_body(), headers=staff)).json()
    assert await _titles(reader) == ["Konzert im Park"]
    assert await _titles(reader, "?hide_cancelled=true") == ["Konzert im Park"]

    url = f"{BASE}/events/{created['id']}"
    await client.put(url, json=event_body(title={"de": "Sommerkonzert"}), headers=staff)
    assert await _titles(reader) == ["Sommerkonzert"]
    await client.put(url, json=event_body(title={"de": "Sommerkonzert"}, status="cancelled"), headers=staff)
    assert await _titles(reader, "?hide_cancelled=true") == []
    await client.put(url, json=event_body(title={"de": "Sommerkonzert"}), headers=staff)
    assert await _titles(reader, "?hide_cancelled=true") == ["Sommerkonzert"]
    await client.post(f"{url}/unpublish", headers=staff)
    assert await _titles(reader) == []
    await client.post(f"{url}/publish", headers=staff)
    assert await _titles(reader) == ["Sommerkonzert"]
    assert (await client.delete(url, headers=staff)).status_code == 204
    assert await _titles(reader) == []

    items = [
        event_body(external_id=f"x{i}", title={"de": f"Import {i}", "en": f"Import EN {i}"}, start=local(i + 1, 18))
        for i in range(2)
    ]
    imported = await client.post(f"{BASE}/events/import", json={"events": items}, headers=staff)
    assert imported.status_code == 200, imported.text
    assert await _titles(reader) == ["Import 0", "Import 1"]
    items[1]["title"] = {"de": "Import geändert", "en": "Import changed"}
    await client.post(f"{BASE}/events/import", json={"events": items}, headers=staff)
    assert await _titles(reader) == ["Import 0", "Import geändert"]
    # the locale is part of the key: English readers get their own page
    english = await reader.get(f"{BASE}/occurrences", headers={"Accept-Language": "en"})
    assert [i["title"] for i in english.json()["items"]] == ["Import EN 0", "Import changed"]


async def test_jobs_and_feeds_bump_the_version(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    before = await _version(sessions)
    settings = EventsSettings()
    feed = FeedConfig(id="kultur", url="http://127.0.0.1:9/unused.ics", categories=["concert"])
    push = BoundPush(PushService(), None, DORTMUND)
    dortmund = sessions_for_city(sessions, "dortmund")
    async with dortmund() as session, session.begin():
        result = await sync_feed(session, push, BERLIN, settings, feed, _ics(), logging.getLogger())
    assert result.created
    after_feed = await _version(sessions)
    assert after_feed > before
    seen = await _titles(client)
    async with dortmund() as session, session.begin():  # the feed drops everything
        await sync_feed(
            session,
            push,
            BERLIN,
            settings,
            feed,
            b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            logging.getLogger(),
        )
    assert await _version(sessions) > after_feed
    assert seen and await _titles(client) == []
    horizon_before = await _version(sessions)
    await extend_horizon(job_context(sessions))
    assert await _version(sessions) > horizon_before


async def test_page_expires_when_a_listed_occurrence_ends(
    client: Client, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = await staff_headers(client, sessions)
    now = utcnow().replace(microsecond=0)
    running = event_body(
        title={"de": "Läuft"}, start=_iso(now - dt.timedelta(hours=1)), end=_iso(now + dt.timedelta(hours=1))
    )
    later = event_body(
        title={"de": "Später"}, start=_iso(now + dt.timedelta(hours=2)), end=_iso(now + dt.timedelta(hours=3))
    )
    for body in (running, later):
        assert (await client.post(f"{BASE}/events", json=body, headers=staff)).status_code == 201
    clock = {"now": now}
    monkeypatch.setattr(controllers, "utcnow", lambda: clock["now"])
    assert await _titles(client) == ["Läuft", "Später"]
    clock["now"] = now + dt.timedelta(hours=1) - dt.timedelta(seconds=1)
    assert await _titles(client) == ["Läuft", "Später"]  # still running: still listed
    clock["now"] = now + dt.timedelta(hours=1)  # it ends: gone at once, no write involved
    assert await _titles(client) == ["Später"]
    clock["now"] = now + dt.timedelta(hours=3)
    assert await _titles(client) == []


async def test_next_cursor_follows_the_occurrence_after_the_page(
    client: Client, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page shows one long event; a shorter one after it decides whether there is a next page."""
    staff = await staff_headers(client, sessions)
    now = utcnow().replace(microsecond=0)
    long = event_body(
        title={"de": "Lang"}, start=_iso(now + dt.timedelta(hours=1)), end=_iso(now + dt.timedelta(hours=9))
    )
    short = event_body(
        title={"de": "Kurz"}, start=_iso(now + dt.timedelta(hours=2)), end=_iso(now + dt.timedelta(hours=3))
    )
    for body in (long, short):
        assert (await client.post(f"{BASE}/events", json=body, headers=staff)).status_code == 201
    clock = {"now": now}
    monkeypatch.setattr(controllers, "utcnow", lambda: clock["now"])
    first = (await client.get(f"{BASE}/occurrences?limit=1")).json()
    assert [i["title"] for i in first["items"]] == ["Lang"] and first["next_cursor"]
    clock["now"] = now + dt.timedelta(hours=3)
    again = (await client.get(f"{BASE}/occurrences?limit=1")).json()
    assert [i["title"] for i in again["items"]] == ["Lang"] and again.get("next_cursor") is None


async def test_today_rolls_over_at_midnight(
    client: Client, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = await staff_headers(client, sessions)
    tomorrow = dt.datetime.now(BERLIN).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(10), BERLIN)
    body = event_body(start=start.isoformat(), end=(start + dt.timedelta(hours=1)).isoformat())
    assert (await client.post(f"{BASE}/events", json=body, headers=staff)).status_code == 201
    late = dt.datetime.combine(tomorrow, dt.time(0), BERLIN) - dt.timedelta(seconds=1)
    clock = {"now": late.astimezone(dt.UTC)}
    monkeypatch.setattr(controllers, "utcnow", lambda: clock["now"])
    assert await _titles(client, "?when=today") == []
    clock["now"] = (late + dt.timedelta(seconds=1)).astimezone(dt.UTC)
    assert await _titles(client, "?when=today") == ["Konzert im Park"]


async def test_moving_horizon_lets_the_next_occurrence_in(
    client: Client, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page that is not full changes when the window's moving end reaches the next occurrence."""
    staff = await staff_headers(client, sessions)
    assert (await client.post(f"{BASE}/events", json=event_body(), headers=staff)).status_code == 201
    horizon = dt.timedelta(days=EventsSettings().horizon_days)
    start = dt.datetime.fromisoformat(event_body()["start"]).replace(tzinfo=BERLIN).astimezone(dt.UTC)
    # seen from far enough back (time only moves forward), the event lies beyond the window ...
    clock = {"now": start - horizon - dt.timedelta(seconds=1)}
    monkeypatch.setattr(controllers, "utcnow", lambda: clock["now"])
    assert await _titles(client) == []
    clock["now"] = start - horizon + dt.timedelta(seconds=1)  # ... and enters it as time passes
    assert await _titles(client) == ["Konzert im Park"]


async def test_concurrent_readers_share_reads_that_began_after_them(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = sessions.kw["bind"]
    versions = VersionReader(engine)
    assert await versions.read("dortmund") == 0
    first = [asyncio.ensure_future(versions.read("dortmund")) for _ in range(5)]
    await asyncio.sleep(0)  # the first read is in flight now
    async with sessions() as session, session.begin():
        await session.execute(events_version.insert().values(tenant_id="dortmund", version=7))
    late = [asyncio.ensure_future(versions.read("dortmund")) for _ in range(5)]
    assert {await f for f in late} == {7}  # began after the commit: must see it
    assert {await f for f in first} <= {0, 7}
    await versions.close()


async def test_a_killed_version_connection_is_replaced_without_an_error(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """After a PostgreSQL restart or an idle-connection kill, the first request succeeds."""
    engine = sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads on a fresh connection each time; nothing is kept to die")
    versions = VersionReader(engine)
    assert await versions.read("dortmund") == 0
    pid = versions._driver.get_server_pid()
    async with sessions() as session, session.begin():
        killed = await session.scalar(select(func.pg_terminate_backend(pid)))
        await session.execute(events_version.insert().values(tenant_id="dortmund", version=3))
    assert killed is True
    assert await versions.read("dortmund") == 3  # no exception reached the caller
    assert versions._driver.get_server_pid() != pid
    await versions.close()


async def test_explicit_window_is_cached_past_its_events(
    client: Client, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a fixed ``from`` nothing leaves the list by time: the page stays cached and right."""
    staff = await staff_headers(client, sessions)
    now = utcnow().replace(microsecond=0)
    body = event_body(start=_iso(now - dt.timedelta(hours=2)), end=_iso(now - dt.timedelta(hours=1)))
    created = (await client.post(f"{BASE}/events", json=body, headers=staff)).json()
    since = {"from": _iso(now - dt.timedelta(hours=3))}
    first = await client.get(f"{BASE}/occurrences", params=since)
    assert [i["title"] for i in first.json()["items"]] == ["Konzert im Park"]
    async with sessions() as session, session.begin():  # behind the module's back: no version bump
        await session.execute(update(Event).where(Event.id == created["id"]).values(title={"de": "Heimlich"}))
    monkeypatch.setattr(controllers, "utcnow", lambda: now + dt.timedelta(days=1))
    again = await client.get(f"{BASE}/occurrences", params=since)
    assert [i["title"] for i in again.json()["items"]] == ["Konzert im Park"]  # a hit, and still right
