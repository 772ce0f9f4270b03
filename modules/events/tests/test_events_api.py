"""Staff CRUD, the residents' list and its filters, paging, delta sync, detail and iCalendar export."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from events_testkit import BERLIN, event_body, local
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.filters import day_window

from core.api import sync_token, utcnow
from core.testing import register_device, staff_headers

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"


async def _create(client: Client, staff: dict[str, str], **overrides: object) -> dict[str, object]:
    response = await client.post(f"{BASE}/events", json=event_body(**overrides), headers=staff)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _list(client: Client, query: str = "", **kw: object) -> dict[str, object]:
    response = await client.get(f"{BASE}/occurrences{query}", **kw)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_create_read_update_publish_delete(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    created = await _create(
        client,
        staff,
        published=False,
        organizer={"name": "Kulturbüro Dortmund", "url": "https://www.dortmund.de"},
        images=[{"url": "https://example.org/a.jpg", "alt": {"de": "Bühne", "en": "Stage"}}],
        price_min=0,
        age_min=6,
        capacity=300,
        attendance_mode="mixed",
        online_url="https://example.org/stream",
        tags=["open-air"],
    )
    event_id = created["id"]
    assert created["published"] is False
    assert created["status"] == "scheduled"
    assert created["start"].startswith(local(3, 19)[:16])  # type: ignore[union-attr]

    # unpublished: residents neither list nor read it; editors read it
    assert (await _list(client))["items"] == []
    assert (await client.get(f"{BASE}/events/{event_id}")).status_code == 404
    assert (await client.get(f"{BASE}/events/{event_id}", headers=staff)).status_code == 200

    published = await client.post(f"{BASE}/events/{event_id}/publish", headers=staff)
    assert published.status_code == 200 and published.json()["published"] is True
    detail = await client.get(f"{BASE}/events/{event_id}", headers={"Accept-Language": "en"})
    assert detail.status_code == 200
    body = detail.json()
    assert body["title"] == "Concert in the park"
    assert body["images"] == [{"url": "https://example.org/a.jpg", "alt": "Stage"}]
    assert body["organizer"]["name"] == "Kulturbüro Dortmund"
    assert body["texts"]["title"] == {"de": "Konzert im Park", "en": "Concert in the park"}
    assert len(body["next_occurrences"]) == 1
    german = (await client.get(f"{BASE}/events/{event_id}")).json()
    assert german["title"] == "Konzert im Park"

    updated = await client.put(
        f"{BASE}/events/{event_id}", json=event_body(title={"de": "Sommerkonzert"}), headers=staff
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["title"] == "Sommerkonzert"

    gone = await client.delete(f"{BASE}/events/{event_id}", headers=staff)
    assert gone.status_code == 204
    assert (await client.get(f"{BASE}/events/{event_id}", headers=staff)).status_code == 404


async def test_validation_names_the_field(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    cases = [
        ({"end": local(2, 10)}, "body.end"),
        ({"categories": ["karaoke"]}, "body.categories"),
        ({"rrule": "FREQ=SOMETIMES"}, "body.rrule"),
        ({"place": {"name": "X", "district": "Atlantis"}}, "body.place.district"),
        ({"time_zone": "Mars/Olympus"}, "body.time_zone"),
        ({"exdates": ["not a date"], "rrule": "FREQ=DAILY"}, "body.exdates[0]"),
        # found by schemathesis: dates at the edge of the calendar overflowed into a 500
        ({"start": None, "end": None, "start_date": "9999-12-31"}, "body.start_date"),
        ({"start": "0001-01-01T00:00:00+05:00", "end": None}, "body.start"),
        ({"rdates": ["9999-12-31T23:00:00-05:00"]}, "body.rdates[0]"),
    ]
    for overrides, field in cases:
        response = await client.post(f"{BASE}/events", json=event_body(**overrides), headers=staff)
        assert response.status_code == 422, (overrides, response.text)
        assert field in response.text, (field, response.text)
    bad_status = await client.post(f"{BASE}/events", json=event_body(status="canceled"), headers=staff)
    assert bad_status.status_code in (400, 422)


async def test_writes_need_an_editor(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    _, device = await register_device(client)
    assert (await client.post(f"{BASE}/events", json=event_body())).status_code == 401
    assert (await client.post(f"{BASE}/events", json=event_body(), headers=device)).status_code == 401
    other = await staff_headers(client, sessions, "schwerte")
    assert (await client.post(f"{BASE}/events", json=event_body(), headers=other)).status_code == 403
    reader = await staff_headers(client, sessions, grants={"events": "viewer"}, email="viewer@dortmund.example")
    assert (await client.post(f"{BASE}/events", json=event_body(), headers=reader)).status_code == 403


async def test_filters(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    concert = await _create(client, staff)
    market = await _create(
        client,
        staff,
        title={"de": "Wochenmarkt in Hörde", "en": "Market in Hörde"},
        description={"de": "Frisches Gemüse und Blumen"},
        start=local(4, 8),
        end=local(4, 13),
        place={"name": "Friedrich-Ebert-Platz", "lat": 51.4879, "lon": 7.5092, "district": "Hörde"},
        categories=["market"],
        is_free=True,
        accessibility=["step_free"],
    )
    museum = await _create(
        client,
        staff,
        title={"de": "Führungen im Museum"},
        description={"de": "Die Ausstellung über Bergleute"},
        start=local(5, 11),
        end=local(5, 12),
        place={"name": "Zeche Zollern", "lat": 51.5135, "lon": 7.3345, "district": "Lütgendortmund"},
        categories=["guided_tour"],
        is_free=False,
        price_min=4,
        accessibility=["hearing_loop", "wheelchair_accessible"],
    )

    def ids(page: dict[str, object]) -> list[object]:
        return [i["event_id"] for i in page["items"]]  # type: ignore[attr-defined,index]

    assert ids(await _list(client)) == [concert["id"], market["id"], museum["id"]]
    assert ids(await _list(client, "?category=market")) == [market["id"]]
    assert ids(await _list(client, "?district=Hörde")) == [market["id"]]
    assert ids(await _list(client, "?free=true")) == [concert["id"], market["id"]]
    assert ids(await _list(client, "?accessibility=wheelchair_accessible")) == [concert["id"], museum["id"]]
    # near the Westfalenpark: the concert (0 km) and Hörde (about 2.5 km), not Zeche Zollern (10 km)
    near = "?lat=51.4926&lon=7.4771&radius_km=3"
    assert ids(await _list(client, near)) == [concert["id"], market["id"]]
    assert ids(await _list(client, near.replace("=3", "=0.5"))) == [concert["id"]]
    # text search: German stemming on PostgreSQL ("Führung" finds "Führungen"), substring on SQLite
    assert ids(await _list(client, "?q=Führung")) == [museum["id"]]
    assert ids(await _list(client, "?q=gemüse")) == [market["id"]]
    assert ids(await _list(client, "?q=bergleute")) == [museum["id"]]
    # window
    start = dt.datetime.combine(dt.datetime.now(BERLIN).date() + dt.timedelta(days=4), dt.time(), tzinfo=BERLIN)
    window = {"from": start.isoformat(), "to": (start + dt.timedelta(days=1)).isoformat()}
    response = await client.get(f"{BASE}/occurrences", params=window)
    assert [i["event_id"] for i in response.json()["items"]] == [market["id"]]
    bad = await client.get(f"{BASE}/occurrences", params={"category": "karaoke"})
    assert bad.status_code == 422
    assert (await client.get(f"{BASE}/occurrences", params={"when": "today", **window})).status_code == 422


def test_today_and_weekend_windows_in_the_city_time_zone() -> None:
    # Friday 2026-11-27 23:30 in Berlin is 22:30 UTC: "today" ends at Saturday 00:00 Berlin time
    now = dt.datetime(2026, 11, 27, 22, 30, tzinfo=dt.UTC)
    start, end = day_window(now, "today", BERLIN)
    assert start == now and end == dt.datetime(2026, 11, 27, 23, 0, tzinfo=dt.UTC)
    start, end = day_window(now, "weekend", BERLIN)
    assert (start, end) == (
        dt.datetime(2026, 11, 27, 23, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, 23, 0, tzinfo=dt.UTC),
    )
    # on Sunday the weekend is the current one
    sunday = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)
    assert day_window(sunday, "weekend", BERLIN) == (sunday, dt.datetime(2026, 11, 29, 23, 0, tzinfo=dt.UTC))
    # across the switch to summer time (Sunday 2027-03-28): the weekend still ends at local midnight
    march = dt.datetime(2027, 3, 26, 12, 0, tzinfo=dt.UTC)
    assert day_window(march, "weekend", BERLIN) == (
        dt.datetime(2027, 3, 26, 23, 0, tzinfo=dt.UTC),
        dt.datetime(2027, 3, 28, 22, 0, tzinfo=dt.UTC),
    )


async def test_today_lists_what_runs_today(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    now = dt.datetime.now(BERLIN)
    end_of_day = dt.datetime.combine(now.date(), dt.time(23, 59))
    start = now.replace(tzinfo=None) + dt.timedelta(minutes=1)
    if start >= end_of_day:
        pytest.skip("too close to midnight")
    today = await _create(client, staff, start=start.isoformat(), end=end_of_day.isoformat())
    await _create(client, staff, start=local(2, 10), end=local(2, 11))
    page = await _list(client, "?when=today")
    assert [i["event_id"] for i in page["items"]] == [today["id"]]  # type: ignore[attr-defined,index]


async def test_cursor_paging_and_delta_sync(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    made = [(await _create(client, staff, start=local(1 + i, 10), end=local(1 + i, 11)))["id"] for i in range(5)]
    seen: list[object] = []
    cursor = None
    while True:
        page = await _list(client, f"?limit=2{'&cursor=' + cursor if cursor else ''}")
        seen += [i["event_id"] for i in page["items"]]  # type: ignore[attr-defined]
        cursor = page.get("next_cursor")  # type: ignore[assignment]
        if not cursor:
            break
    assert seen == made

    # tokens overlap by a few seconds (never miss a change); one from "later" sees nothing yet
    assert (await _list(client, f"?since={sync_token(utcnow() + dt.timedelta(seconds=10))}"))["items"] == []
    token = (await _list(client))["sync_token"]
    await client.put(f"{BASE}/events/{made[1]}", json=event_body(start=local(2, 12), end=local(2, 13)), headers=staff)
    await client.delete(f"{BASE}/events/{made[2]}", headers=staff)
    await client.post(f"{BASE}/events/{made[3]}/unpublish", headers=staff)
    delta = await _list(client, f"?since={token}")
    changed = {i["event_id"] for i in delta["items"]}  # type: ignore[attr-defined]
    assert made[1] in changed and not changed & {made[2], made[3]}
    assert set(delta["deleted"]) == {made[2], made[3]}  # type: ignore[arg-type]
    assert (await client.get(f"{BASE}/occurrences", params={"cursor": "garbage!"})).status_code == 422


async def test_etag_and_304(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    await _create(client, staff)
    first = await client.get(f"{BASE}/occurrences?hide_cancelled=true")
    etag = first.headers["etag"]
    again = await client.get(f"{BASE}/occurrences?hide_cancelled=true", headers={"If-None-Match": etag})
    assert again.status_code == 304


async def test_cancelled_and_hidden(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    event = await _create(client, staff)
    await client.put(f"{BASE}/events/{event['id']}", json=event_body(status="cancelled"), headers=staff)
    page = await _list(client)
    assert [i["status"] for i in page["items"]] == ["cancelled"]  # type: ignore[attr-defined,index]
    assert (await _list(client, "?hide_cancelled=true"))["items"] == []


async def test_all_day_event(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=3)
    body = event_body(
        start=None, end=None, start_date=day.isoformat(), end_date=(day + dt.timedelta(days=2)).isoformat()
    )
    response = await client.post(f"{BASE}/events", json=body, headers=staff)
    assert response.status_code == 201, response.text
    item = (await _list(client))["items"][0]  # type: ignore[index]
    assert item["all_day"] is True and item["start"] is None
    assert item["start_date"] == day.isoformat() and item["end_date"] == (day + dt.timedelta(days=2)).isoformat()
    ics = await client.get(f"{BASE}/events/{item['event_id']}/ical")
    vevent = next(iter(icalendar.Calendar.from_ical(ics.content).walk("VEVENT")))
    assert vevent.decoded("DTSTART") == day and vevent.decoded("DTEND") == day + dt.timedelta(days=2)


async def test_ical_export_parses_back(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    weekly = await _create(
        client,
        staff,
        title={"de": "Lauftreff"},
        rrule="FREQ=WEEKLY;COUNT=4",
        exdates=[local(10, 19)],
    )
    await _create(client, staff, title={"de": "Markt"}, categories=["market"], start=local(4, 8), end=local(4, 9))
    one = await client.get(f"{BASE}/events/{weekly['id']}/ical")
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(one.content)
    vevent = next(iter(cal.walk("VEVENT")))
    assert str(vevent["SUMMARY"]) == "Lauftreff"
    assert vevent["RRULE"]["FREQ"] == ["WEEKLY"]
    assert vevent.decoded("DTSTART").tzinfo is not None
    assert str(vevent["DTSTART"].params["TZID"]) == "Europe/Berlin"
    assert cal.walk("VTIMEZONE"), "the export carries its VTIMEZONE"
    assert "EXDATE" in vevent

    listing = await client.get(f"{BASE}/occurrences/ical")
    assert listing.status_code == 200
    events = icalendar.Calendar.from_ical(listing.content).walk("VEVENT")
    assert len(events) == 4  # three Lauftreff dates (one excluded) and the market
    assert len({str(e["UID"]) for e in events}) == 4
    only_market = await client.get(f"{BASE}/occurrences/ical?category=market")
    assert [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(only_market.content).walk("VEVENT")] == ["Markt"]


async def test_bulk_import_is_idempotent_by_external_id(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    items = [event_body(external_id=f"ext-{i}", start=local(i + 1, 18), end=local(i + 1, 20)) for i in range(3)]
    first = await client.post(f"{BASE}/events/import", json={"events": items}, headers=staff)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 3
    items[0]["title"] = {"de": "Geändert"}
    second = await client.post(f"{BASE}/events/import", json={"events": items}, headers=staff)
    assert second.json() == {"created": 0, "updated": 3, "ids": first.json()["ids"]}
    assert len((await _list(client))["items"]) == 3  # type: ignore[arg-type]
    broken = [event_body(external_id="ok"), event_body(external_id="bad", categories=["nope"])]
    failed = await client.post(f"{BASE}/events/import", json={"events": broken}, headers=staff)
    assert failed.status_code == 422 and "body.events[1].categories" in failed.text
    assert len((await _list(client))["items"]) == 3  # type: ignore[arg-type]  # all or nothing


async def test_other_city_does_not_see_events(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    event = await _create(client, staff)
    assert (await client.get("/v1/schwerte/events/occurrences")).json()["items"] == []
    assert (await client.get(f"/v1/schwerte/events/events/{event['id']}")).status_code == 404
