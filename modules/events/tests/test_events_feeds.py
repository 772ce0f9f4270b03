"""Feed import against a local HTTP server serving real-shaped .ics files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from events_testkit import BERLIN, job_context
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.feeds import FeedResult
from stadtkern_events.jobs import import_feeds
from stadtkern_events.models import Event, Occurrence
from stadtkern_events.settings import EventsSettings, FeedConfig

from core.testing import FileServer, file_server

SAMPLE = (Path(__file__).parent / "feeds" / "kultur.ics").read_text()


def render(text: str) -> bytes:
    """Fill {D<n>} with the date n days from today, so the sample is always in the future."""
    today = dt.datetime.now(BERLIN).date()
    for n in range(30, -1, -1):
        text = text.replace(f"{{D{n}}}", (today + dt.timedelta(days=n)).strftime("%Y%m%d"))
    return text.replace("\n", "\r\n").encode()


@pytest.fixture
def server() -> Iterator[tuple[str, FileServer]]:
    with file_server(default_type="text/calendar; charset=utf-8") as feeds:
        feeds.put("/boom.ics", b"", status=500)  # the "broken" feed: the city's server fails
        yield feeds.base, feeds


def settings_for(base: str) -> EventsSettings:
    return EventsSettings(
        districts=["Innenstadt-West", "Innenstadt-Nord"],
        feeds=[
            FeedConfig(id="broken", url=f"{base}/boom.ics"),
            FeedConfig(id="garbage", url=f"{base}/garbage.ics"),
            FeedConfig(id="unreachable", url="http://127.0.0.1:9/nothing.ics"),
            FeedConfig(id="kultur", url=f"{base}/kultur.ics", categories=["concert"], district="Innenstadt-West"),
        ],
        feed_timeout_seconds=3,
    )


async def _events(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Event]:
    async with sessions() as session:
        rows = (await session.scalars(select(Event).where(Event.source_feed == "kultur"))).all()
        return {str(e.source_uid): e for e in rows}


async def _occurrences(sessions: async_sessionmaker[AsyncSession], event: Event) -> list[Occurrence]:
    async with sessions() as session:
        stmt = select(Occurrence).where(Occurrence.event_id == event.id).order_by(Occurrence.starts_at)
        return list((await session.scalars(stmt)).all())


async def test_feed_import(
    database: str,
    sessions: async_sessionmaker[AsyncSession],
    server: tuple[str, FileServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    base, feeds = server
    feeds.put("/kultur.ics", render(SAMPLE))
    feeds.put("/garbage.ics", b"<html>Wartungsarbeiten</html>")
    ctx = job_context(sessions, settings_for(base), job_id="feeds")
    today = dt.datetime.now(BERLIN).date()

    results = await import_feeds(ctx)
    kultur = results["kultur"]
    assert isinstance(kultur, FeedResult), results
    assert (kultur.created, kultur.updated, kultur.removed) == (5, 0, 0)  # the one without UID gets a derived id
    assert kultur.skipped == ["kaputt@kulturbuero.dortmund.de"]
    for broken in ("broken", "garbage", "unreachable"):
        assert not isinstance(results[broken], FeedResult)
    assert "feed broken skipped" in caplog.text and "feed unreachable skipped" in caplog.text

    events = await _events(sessions)
    concert = events["konzert-2026-4711@kulturbuero.dortmund.de"]
    assert concert.starts_at.astimezone(BERLIN).replace(tzinfo=None) == dt.datetime.combine(
        today + dt.timedelta(days=3), dt.time(19, 30)
    )
    assert concert.time_zone == "Europe/Berlin"
    assert (concert.lat, concert.lon, concert.district) == (51.5138, 7.468, "Innenstadt-West")
    assert concert.categories == "|concert|" and concert.published

    flea = events["flohmarkt-fredenbaum@kulturbuero.dortmund.de"]
    assert flea.all_day
    assert flea.starts_at.astimezone(BERLIN).date() == today + dt.timedelta(days=5)
    assert flea.ends_at.astimezone(BERLIN).date() == today + dt.timedelta(days=7)

    tour = events["stadtfuehrung-weekly@kulturbuero.dortmund.de"]
    got = [
        (o.starts_at.astimezone(BERLIN).date(), o.starts_at.astimezone(BERLIN).hour)
        for o in await _occurrences(sessions, tour)
    ]
    assert got == [
        (today + dt.timedelta(days=1), 11),
        (today + dt.timedelta(days=15), 14),  # the changed occurrence
        (today + dt.timedelta(days=22), 11),
    ]  # day 8 excluded

    lesung = events["utc-lesung@kulturbuero.dortmund.de"]
    assert lesung.ends_at - lesung.starts_at == dt.timedelta(minutes=90)
    assert lesung.starts_at.hour == 17 and lesung.starts_at.tzinfo is not None

    # idempotent: the same feed again changes nothing
    stamps = {uid: e.updated_at for uid, e in events.items()}
    again = (await import_feeds(ctx))["kultur"]
    assert isinstance(again, FeedResult)
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 5, 0)
    assert {uid: e.updated_at for uid, e in (await _events(sessions)).items()} == stamps

    # an update and a removal
    changed = SAMPLE.replace("Orgelkonzert in der Reinoldikirche", "Orgelkonzert (neuer Organist)")
    start = changed.index("BEGIN:VEVENT\nUID:flohmarkt")
    changed = changed[:start] + changed[changed.index("END:VEVENT", start) + len("END:VEVENT\n") :]
    feeds.put("/kultur.ics", render(changed))
    third = (await import_feeds(ctx))["kultur"]
    assert isinstance(third, FeedResult)
    assert (third.created, third.updated, third.removed) == (0, 1, 1)
    events = await _events(sessions)
    assert "flohmarkt-fredenbaum@kulturbuero.dortmund.de" not in events
    assert events["konzert-2026-4711@kulturbuero.dortmund.de"].title == {"de": "Orgelkonzert (neuer Organist)"}

    # a feed that breaks later keeps what was imported
    feeds.files.pop("/kultur.ics")
    assert not isinstance((await import_feeds(ctx))["kultur"], FeedResult)
    assert len(await _events(sessions)) == 4
