"""Editors' side of feeds: the import report, the mass-removal guard, uploads, UNTIL in the staff API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from events_testkit import BERLIN, event_body, job_context, local
from feed_files import FeedHost, sample
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.feeds import MassRemoval
from stadtkern_events.jobs import import_feeds
from stadtkern_events.models import Reminder
from stadtkern_events.settings import EventsSettings, FeedConfig

from core.testing import register_device, staff_headers

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"
EMPTY = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kulturbuero Dortmund//Veranstaltungskalender//DE\r\nEND:VCALENDAR\r\n"
)


def _manifest(url: str) -> str:
    return f"""
[tenants.dortmund]
name = "Dortmund"
locales = ["de", "en"]
time_zone = "Europe/Berlin"

[tenants.dortmund.modules.events]
feed_removal_limit = 0.5

[[tenants.dortmund.modules.events.feeds]]
id = "kultur"
url = "{url}"
categories = ["concert"]
"""


async def _titles(client: Client) -> set[str]:
    return {i["title"] for i in (await client.get(f"{BASE}/occurrences?limit=200")).json()["items"]}


async def test_an_empty_feed_is_refused_and_favourites_survive(
    app_factory: Callable[..., Litestar],
    sessions: async_sessionmaker[AsyncSession],
    feed_host: FeedHost,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = feed_host.serve("/kultur.ics", sample("kultur.ics"))
    async with AsyncTestClient(app=app_factory(_manifest(url))) as client:
        staff = await staff_headers(client, sessions)
        first = await client.post(f"{BASE}/feeds/kultur/import", headers=staff)
        assert first.status_code == 200, first.text
        report = first.json()
        assert (report["outcome"], report["created"], report["skipped"]) == ("ok", 5, 1)
        skipped = [n for n in report["notes"] if n["kind"] == "skipped"]
        assert skipped[0]["item"] == "kaputt@kulturbuero.dortmund.de" and "DTSTART" in skipped[0]["message"]
        assert [n["kind"] for n in report["notes"]].count("derived_uid") == 1
        listed = (await client.get(f"{BASE}/occurrences?limit=200")).json()["items"]
        concert = next(i for i in listed if i["title"] == "Orgelkonzert in der Reinoldikirche")
        _, phone = await register_device(client)
        fav = await client.put(f"{BASE}/favourites/{concert['event_id']}", json={"remind_minutes": 30}, headers=phone)
        assert fav.status_code == 200, fav.text

        # the feed comes back valid but empty: the scheduled import refuses it and alerts
        feed_host.serve("/kultur.ics", EMPTY)
        settings = EventsSettings(feeds=[FeedConfig(id="kultur", url=url, categories=["concert"])])
        results = await import_feeds(job_context(sessions, settings, job_id="feeds"))
        assert isinstance(results["kultur"], MassRemoval)
        assert "mass-removal guard" in caplog.text and any(r.levelname == "ERROR" for r in caplog.records)
        assert "Orgelkonzert in der Reinoldikirche" in await _titles(client)
        assert [f["event_id"] for f in (await client.get(f"{BASE}/favourites", headers=phone)).json()] == [
            concert["event_id"]
        ]
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Reminder)) == 1
        feeds = (await client.get(f"{BASE}/feeds", headers=staff)).json()
        assert [(f["id"], f["last_run"]["outcome"]) for f in feeds] == [("kultur", "refused")]
        assert "5 of the feed's 5 events" in feeds[0]["last_run"]["error"]
        assert (await client.get(f"{BASE}/feeds", headers=phone)).status_code in (401, 403)

        # an editor runs it now: refused again (409), then confirms
        again = await client.post(f"{BASE}/feeds/kultur/import", headers=staff)
        assert again.status_code == 409 and again.json()["outcome"] == "refused"
        confirmed = await client.post(f"{BASE}/feeds/kultur/import?confirm_removals=true", headers=staff)
        assert confirmed.status_code == 200 and confirmed.json()["removed"] == 5
        assert "Orgelkonzert in der Reinoldikirche" not in await _titles(client)
        runs = (await client.get(f"{BASE}/feeds/kultur/runs", headers=staff)).json()["items"]
        assert [r["outcome"] for r in runs] == ["ok", "refused", "refused", "ok"]


async def test_upload_goes_through_the_importer(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    target = f"{BASE}/feeds/kulturbuero/upload"
    body = sample("google_vhs.ics")
    assert (await client.post(target, files={"file": ("vhs.ics", body, "text/calendar")})).status_code == 401
    uploaded = await client.post(target, files={"file": ("vhs.ics", body, "text/calendar")}, headers=staff)
    assert uploaded.status_code == 200, uploaded.text
    assert (uploaded.json()["kind"], uploaded.json()["created"]) == ("upload", 3)
    assert "Italienisch A1" in await _titles(client)
    feeds = (await client.get(f"{BASE}/feeds", headers=staff)).json()
    assert [(f["id"], f["url"], f["last_run"]["created"]) for f in feeds] == [("kulturbuero", None, 3)]

    broken = await client.post(
        target, files={"file": ("x.ics", b"<html>Fehler</html>", "text/calendar")}, headers=staff
    )
    assert broken.status_code == 422 and "body.file" in broken.text, broken.text
    empty = await client.post(target, files={"file": ("x.ics", b"", "text/calendar")}, headers=staff)
    assert empty.status_code == 422 and "body.file" in empty.text
    missing = await client.post(target, files={"other": ("x.ics", body, "text/calendar")}, headers=staff)
    assert 400 <= missing.status_code < 500 and "file" in missing.text, missing.text
    huge = b"BEGIN:VCALENDAR\r\n" + b"X-PAD:" + b"x" * (11 * 1024 * 1024) + b"\r\nEND:VCALENDAR\r\n"
    too_large = await client.post(target, files={"file": ("big.ics", huge, "text/calendar")}, headers=staff)
    assert too_large.status_code == 413
    bad_id = await client.post(f"{BASE}/feeds/Kultur Büro/upload", files={"file": ("v.ics", body)}, headers=staff)
    assert bad_id.status_code == 422 and "path.feed_id" in bad_id.text
    assert "Italienisch A1" in await _titles(client)  # the failed uploads changed nothing


async def test_staff_api_until_in_utc(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    last = dt.datetime.fromisoformat(local(22, 19)).replace(tzinfo=BERLIN).astimezone(dt.UTC)
    body = event_body(start=local(1, 19), end=local(1, 21), rrule=f"FREQ=WEEKLY;UNTIL={last:%Y%m%dT%H%M%SZ}")
    created = await client.post(f"{BASE}/events", json=body, headers=staff)
    assert created.status_code == 201, created.text
    assert len(created.json()["next_occurrences"]) == 4
    floating = event_body(start=local(1, 19), rrule=f"FREQ=WEEKLY;UNTIL={last:%Y%m%dT%H%M%S}")
    refused = await client.post(f"{BASE}/events", json=floating, headers=staff)
    assert refused.status_code == 422 and "body.rrule" in refused.text and "UTC" in refused.text
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=1)
    all_day = event_body(
        start=None, end=None, start_date=day.isoformat(), rrule=f"FREQ=DAILY;UNTIL={day + dt.timedelta(days=2):%Y%m%d}"
    )
    assert (await client.post(f"{BASE}/events", json=all_day, headers=staff)).status_code == 201
    # a changed date with its own title and place, through the staff API
    own = event_body(
        title={"de": "Chorprobe"},
        start=local(1, 18),
        end=local(1, 20),
        rrule="FREQ=WEEKLY;COUNT=2",
        changes=[
            {"recurrence_id": local(8, 18), "title": {"de": "Chorprobe (Generalprobe)"}, "place": {"name": "Aula"}}
        ],
    )
    assert (await client.post(f"{BASE}/events", json=own, headers=staff)).status_code == 201
    items = [i for i in (await client.get(f"{BASE}/occurrences")).json()["items"] if i["title"].startswith("Chor")]
    assert [(i["title"], i["place"]["name"]) for i in items] == [
        ("Chorprobe", "Westfalenpark"),
        ("Chorprobe (Generalprobe)", "Aula"),
    ]


async def test_nul_characters_in_a_file_are_removed_not_fatal(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # PostgreSQL refuses NUL in text: left in, one byte failed the whole import (with SQL in the answer).
    staff = await staff_headers(client, sessions)
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).strftime("%Y%m%d").encode()
    body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//DE\r\nBEGIN:VEVENT\r\nUID:nul-1\r\n"
        b"DTSTART:" + day + b"T100000Z\r\nDTEND:" + day + b"T110000Z\r\nSUMMARY:Kon\x00zert\r\n"
        b"LOCATION:Markt\x00platz\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    uploaded = await client.post(
        f"{BASE}/feeds/nul/upload", files={"file": ("n.ics", body, "text/calendar")}, headers=staff
    )
    assert uploaded.status_code == 200, uploaded.text
    report = uploaded.json()
    assert report["created"] == 1 and any("NUL" in note["message"] for note in report["notes"]), report
    assert "Konzert" in await _titles(client)
    assert len((await client.get(f"{BASE}/feeds/nul/runs", headers=staff)).json()["items"]) == 1
    assert (await client.get(f"{BASE}/feeds/nul-typo/runs", headers=staff)).status_code == 404
    other = await staff_headers(client, sessions, "schwerte")  # Dortmund's upload source is not Schwerte's
    assert (await client.get("/v1/schwerte/events/feeds/nul/runs", headers=other)).status_code == 404
