"""iCalendar for a booking and the personal feed (secret, revocable); the staff's day list and figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Awaitable, Callable

import icalendar
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_projektor.models import Booking
from support_projektor import BASE, BERLIN, EDITOR, make_room, make_workshop, next_day_at

Devices = Callable[..., Awaitable[tuple[str, dict[str, str]]]]
Staff = Callable[..., Awaitable[dict[str, str]]]


def _events(body: bytes) -> list[icalendar.cal.Component]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


async def test_a_booking_and_the_personal_feed(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff, address="Westenhellweg, Dortmund")
    _, sid = await make_workshop(client, staff, seats=2)
    _, device = await new_device("dortmund")
    _, other = await new_device("dortmund")
    start = next_day_at(11)
    slot = (
        await client.post(f"{BASE}/rooms/{room}/bookings", json={"starts_at": start.isoformat()}, headers=device)
    ).json()
    seat = (await client.post(f"{BASE}/sessions/{sid}/bookings", json={}, headers=device)).json()
    one = await client.get(f"{BASE}/bookings/{slot['id']}/calendar.ics", headers=device)
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/calendar")
    (event,) = _events(one.content)
    assert str(event["summary"]) == "Werkstattraum" and "Westenhellweg" in str(event["location"])
    assert event.decoded("dtstart") == start
    assert (await client.get(f"{BASE}/bookings/{slot['id']}/calendar.ics", headers=other)).status_code == 404
    created = await client.post(f"{BASE}/feeds/mine", headers=device)
    assert created.status_code == 201
    path = created.json()["path"]
    feed = await client.get(path, headers={"Accept-Language": "en"})
    assert feed.status_code == 200
    assert sorted(str(e["summary"]) for e in _events(feed.content)) == ["3D printing", "Workshop room"]
    assert {str(e["uid"]).split("@")[0] for e in _events(feed.content)} == {slot["id"], seat["id"]}
    renewed = (await client.post(f"{BASE}/feeds/mine", headers=device)).json()["path"]
    assert (await client.get(path)).status_code == 404  # renewing revokes the old URL
    assert (await client.delete(f"{BASE}/feeds/mine", headers=device)).status_code == 204
    assert (await client.get(renewed)).status_code == 404
    assert (await client.get(f"{BASE}/feeds/{'x' * 32}/bookings.ics")).status_code == 404


async def test_day_list_and_figures(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff)
    _, sid = await make_workshop(client, staff, seats=1, requires_contact=True)
    _, device = await new_device("dortmund")
    _, waiting = await new_device("dortmund")
    start = next_day_at(11, days=3)
    await client.post(f"{BASE}/rooms/{room}/bookings", json={"starts_at": start.isoformat()}, headers=device)
    contact = {"participant_name": "=HYPERLINK(1)", "participant_email": "a@example.org"}
    seat = (await client.post(f"{BASE}/sessions/{sid}/bookings", json=contact, headers=device)).json()
    queued = (
        await client.post(f"{BASE}/sessions/{sid}/bookings", json={**contact, "wait": True}, headers=waiting)
    ).json()
    day = start.date().isoformat()
    listed = await client.get(f"{BASE}/days/{day}/bookings.csv", headers=staff)
    assert listed.status_code == 200, listed.text
    rows = list(csv.DictReader(io.StringIO(listed.text)))
    assert [(r["start"], r["what"], r["participant"]) for r in rows] == [
        ("11:00", "Werkstattraum", ""),
        ("17:00", "3D-Druck", "'=HYPERLINK(1)"),  # a formula from a resident is text in the spreadsheet
    ]
    ics = await client.get(f"{BASE}/days/{day}/bookings.ics", headers=staff)
    assert len(_events(ics.content)) == 2
    assert (await client.get(f"{BASE}/days/{day}/bookings.csv", headers=device)).status_code in (401, 403)
    # the waiting place converts when the seat frees; a no-show still counts as booked time
    await client.post(f"{BASE}/bookings/{seat['id']}/cancel", headers=device)
    await client.post(f"{BASE}/bookings/{queued['id']}/confirm", json={}, headers=waiting)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Booking).where(Booking.status == "confirmed", Booking.kind == "slot").values(status="no_show")
        )
    monday = start.date() - dt.timedelta(days=start.astimezone(BERLIN).weekday())
    shown = await client.get(f"{BASE}/figures", params={"start": monday.isoformat(), "weeks": 1}, headers=staff)
    assert shown.status_code == 200, shown.text
    figures = shown.json()
    (week,) = figures["rooms"]
    assert week["booked_minutes"] == 60 and week["open_minutes"] == 8 * 60 * 7
    assert (figures["waited"], figures["from_waitlist"], figures["waitlist_conversion"]) == (1, 1, 1.0)
    assert (await client.get(f"{BASE}/figures", params={"weeks": 60}, headers=staff)).status_code == 422
