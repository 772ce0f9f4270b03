"""Feeds as Google, Outlook, Thunderbird and holiday calendars export them (tests/feeds/PROVENANCE.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from events_testkit import BERLIN, job_context
from feed_files import FeedHost, sample
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.feeds import FeedResult
from stadtkern_events.jobs import import_feeds
from stadtkern_events.models import Event
from stadtkern_events.settings import EventsSettings, FeedConfig

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"
TODAY = dt.datetime.now(BERLIN).date()


def day(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


async def _import(sessions: async_sessionmaker[AsyncSession], feed_id: str, url: str) -> FeedResult:
    settings = EventsSettings(feeds=[FeedConfig(id=feed_id, url=url)], feed_timeout_seconds=5)
    result = (await import_feeds(job_context(sessions, settings, job_id="feeds")))[feed_id]
    assert isinstance(result, FeedResult), result
    return result


async def _dates(client: Client) -> list[dict[str, Any]]:
    response = await client.get(f"{BASE}/occurrences?limit=200")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def _events(sessions: async_sessionmaker[AsyncSession], feed: str) -> dict[str, Event]:
    async with sessions() as session:
        rows = (await session.scalars(select(Event).where(Event.source_feed == feed))).all()
        return {str(e.source_uid): e for e in rows}


def _notes(result: FeedResult) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for note in result.notes:
        out.setdefault(note.kind, []).append(f"{note.item}: {note.message}")
    return out


async def test_google_until_z_own_texts_and_an_orphan_override(
    client: Client, sessions: async_sessionmaker[AsyncSession], feed_host: FeedHost
) -> None:
    url = feed_host.serve("/vhs.ics", sample("google_vhs.ics"))
    result = await _import(sessions, "vhs", url)
    assert (result.created, result.updated, result.removed) == (3, 0, 0), _notes(result)
    course = [i for i in await _dates(client) if i["title"].startswith("Italienisch")]
    assert [(i["start"][:16], i["title"]) for i in course] == [
        (f"{day(2)}T18:00", "Italienisch A1"),
        (f"{day(16)}T17:00", "Italienisch A1 - Exkursion ins MKK"),  # the changed date's own title
        (f"{day(23)}T18:00", "Italienisch A1"),
    ]  # day 9 excluded; UNTIL=…Z ends the series after day 23
    assert course[1]["place"]["name"] == "Museum für Kunst und Kulturgeschichte, Hansastraße 3, 44137 Dortmund"
    assert course[0]["place"]["name"].startswith("VHS Dortmund")
    series = (await _events(sessions, "vhs"))["3k9v2p6sd1h0c8q7b5n4m2l1aa@google.com"]
    detail = (await client.get(f"{BASE}/events/{series.id}")).json()
    assert detail["changes"][0]["description"] == {"de": "Exkursion: Treffpunkt vor dem Eingang"}
    assert detail["description"] == "Italienisch für Anfänger, Kursnummer 26-1104"
    # the override whose series is not in the feed: imported on its own, and reported
    walk = [i for i in await _dates(client) if i["title"] == "Stadtteilspaziergang Kreuzviertel"]
    assert [i["start"][:16] for i in walk] == [f"{day(6)}T10:00"]
    assert any("7h2c0r4t8e1qv3b6x9z5y0w2uu@google.com" in n for n in _notes(result)["standalone"])
    again = await _import(sessions, "vhs", url)
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 3, 0)


async def test_outlook_windows_zones_and_charset(
    client: Client, sessions: async_sessionmaker[AsyncSession], feed_host: FeedHost
) -> None:
    body = sample("outlook_buergerhaus.ics", encoding="windows-1252")
    url = feed_host.serve("/hoerde.ics", body, "text/calendar; charset=windows-1252")
    result = await _import(sessions, "hoerde", url)
    assert (result.created, result.skipped) == (3, []), _notes(result)
    events = {e.title["de"]: e for e in (await _events(sessions, "hoerde")).values()}
    office = events["Bürgersprechstunde"]
    assert office.time_zone == "Europe/Berlin" and office.place_name == "Bürgerhaus Hörde, Raum 1.04"
    dates = [(i["start"][:16], i["title"]) for i in await _dates(client) if i["title"].startswith("Bürger")]
    assert dates == [
        (f"{day(1)}T10:00", "Bürgersprechstunde"),
        (f"{day(8)}T14:00", "Bürgersprechstunde im Rathaus"),
        (f"{day(15)}T10:00", "Bürgersprechstunde"),
        (f"{day(22)}T10:00", "Bürgersprechstunde"),
    ]
    talk = events["Online-Vortrag: Leben auf den Salomonen"]
    assert talk.time_zone == "Etc/GMT-11"
    assert talk.starts_at.astimezone(dt.UTC).hour == 8  # 19:00 at UTC+11
    tour = events["Führung: Hörde im Wandel"]
    assert tour.starts_at.astimezone(BERLIN).hour == 15 and tour.time_zone == "Europe/Berlin"
    repaired = "\n".join(_notes(result)["repaired"])
    assert "W. Europe Standard Time" in repaired and "UTC+11" in repaired and "Customized Time Zone" in repaired


async def test_thunderbird_prefixes_floating_until_and_period_rdate(
    client: Client, sessions: async_sessionmaker[AsyncSession], feed_host: FeedHost
) -> None:
    url = feed_host.serve("/treff.ics", sample("thunderbird_treff.ics"))
    result = await _import(sessions, "treff", url)
    assert (result.created, result.skipped) == (3, []), _notes(result)
    items = await _dates(client)
    repair = [(i["start"][:16], i["title"], i["place"]["name"]) for i in items if i["title"].startswith("Repair")]
    assert repair == [
        (f"{day(1)}T14:00", "Repair-Café im Nachbarschaftstreff", "Nachbarschaftstreff Scharnhorst"),
        (f"{day(8)}T14:00", "Repair-Café: Fahrräder", "Fahrradwerkstatt am Hafen"),
        (f"{day(15)}T14:00", "Repair-Café im Nachbarschaftstreff", "Nachbarschaftstreff Scharnhorst"),
    ]
    events = await _events(sessions, "treff")
    assert {e.time_zone for e in events.values()} == {"Europe/Berlin"}
    # UNTIL without Z beside a zoned start: read in the start's zone, stored in UTC, reported as repaired
    reading = [i["start"][:10] for i in items if i["title"] == "Lesekreis"]
    assert reading == [day(1), day(8), day(15)]
    assert events["8a3e61b0-4f2c-4d7e-9c15-b0e7a2f4d3c8"].rrule.endswith("Z")  # type: ignore[union-attr]
    assert any("UNTIL" in n for n in _notes(result)["repaired"])
    # RDATE;VALUE=PERIOD: an extra date with its own length
    open_day = [i for i in items if i["title"] == "Tag der offenen Tür"]
    spans = [
        (i["start"][:16], dt.datetime.fromisoformat(i["end"]) - dt.datetime.fromisoformat(i["start"])) for i in open_day
    ]
    assert spans[0] == (f"{day(3)}T10:00", dt.timedelta(hours=6))
    assert spans[1][1] == dt.timedelta(hours=3) and spans[1][0].startswith(day(10))


async def test_holidays_one_day_all_day_events_without_uid_latin1(
    client: Client, sessions: async_sessionmaker[AsyncSession], feed_host: FeedHost
) -> None:
    url = feed_host.serve("/feiertage.ics", sample("feiertage_nrw.ics", encoding="iso-8859-1"), "text/calendar")
    result = await _import(sessions, "feiertage", url)
    assert (result.created, result.skipped) == (3, []), _notes(result)
    items = {i["title"]: i for i in await _dates(client)}
    assert (items["Fronleichnam"]["start_date"], items["Fronleichnam"]["end_date"]) == (day(5), day(6))
    assert items["Mariä Himmelfahrt (kein Feiertag in NRW)"]["start_date"] == day(12)
    assert items["Allerheiligen"]["end_date"] == day(21)
    notes = _notes(result)
    assert len([n for n in notes["derived_uid"]]) == 2
    assert any("DTEND" in n for n in notes["repaired"])
    assert any("windows-1252" in n or "iso-8859-1" in n for n in notes["repaired"])
    derived = set(await _events(sessions, "feiertage"))
    again = await _import(sessions, "feiertage", url)  # the derived ids are stable
    assert (again.created, again.unchanged, again.removed) == (0, 3, 0)
    assert set(await _events(sessions, "feiertage")) == derived
