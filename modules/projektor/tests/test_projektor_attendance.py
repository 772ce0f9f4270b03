"""Check-in by code, no-shows after the grace period (released, counted, limited), reminders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_projektor.models import Booking
from support_projektor import BASE, EDITOR, make_room, make_workshop, next_day_at, outbox

from core.testing import run_jobs

Devices = Callable[..., Awaitable[tuple[str, dict[str, str]]]]
Staff = Callable[..., Awaitable[dict[str, str]]]


async def _shift(sessions: async_sessionmaker[AsyncSession], booking_id: str, minutes_ago: int) -> None:
    """Move a booking so that it started ``minutes_ago`` (bookings cannot be made in the past)."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    end = start + dt.timedelta(hours=1)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Booking).where(Booking.id == booking_id).values(starts_at=start, ends_at=end, blocked_until=end)
        )


async def test_check_in_by_code(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff)
    _, device = await new_device("dortmund")
    booked = (
        await client.post(
            f"{BASE}/rooms/{room}/bookings", json={"starts_at": next_day_at(11).isoformat()}, headers=device
        )
    ).json()
    code = booked["check_in_code"]
    early = await client.post(f"{BASE}/check-ins", json={"code": code}, headers=staff)
    assert early.status_code == 404  # two days ahead: not yet
    await _shift(sessions, booked["id"], 5)
    assert (await client.post(f"{BASE}/check-ins", json={"code": code}, headers=device)).status_code in (401, 403)
    done = await client.post(f"{BASE}/check-ins", json={"code": code.lower()}, headers=staff)
    assert done.status_code == 200 and done.json()["checked_in_at"]
    assert (await client.post(f"{BASE}/check-ins", json={"code": code}, headers=staff)).status_code == 409


async def test_no_shows_release_the_seat_and_count_against_the_device(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: Staff,
    new_device: Devices,
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff)
    _, device = await new_device("dortmund")
    _, punctual = await new_device("dortmund")
    ids = []
    for hour in (11, 14, 17):  # Dortmund's test manifest: three no-shows and a device books no more
        answer = await client.post(
            f"{BASE}/rooms/{room}/bookings", json={"starts_at": next_day_at(hour).isoformat()}, headers=device
        )
        ids.append(answer.json()["id"])
    kept = (
        await client.post(
            f"{BASE}/rooms/{room}/bookings", json={"starts_at": next_day_at(8).isoformat()}, headers=punctual
        )
    ).json()
    for n, booking_id in enumerate((kept["id"], *ids)):  # all past the 15-minute grace period, none overlapping
        await _shift(sessions, booking_id, 20 + 70 * n)
    assert (
        await client.post(f"{BASE}/check-ins", json={"code": kept["check_in_code"]}, headers=staff)
    ).status_code == 200
    await run_jobs(app, sessions, "projektor", "dortmund", "attendance")
    states = [(await client.get(f"{BASE}/bookings/{i}", headers=device)).json()["status"] for i in ids]
    assert states == ["no_show"] * 3
    assert (await client.get(f"{BASE}/bookings/{kept['id']}", headers=punctual)).json()["status"] == "confirmed"
    blocked = await client.post(
        f"{BASE}/rooms/{room}/bookings", json={"starts_at": next_day_at(11, 4).isoformat()}, headers=device
    )
    assert blocked.status_code == 409 and "missed 3" in blocked.json()["detail"]
    fine = await client.post(
        f"{BASE}/rooms/{room}/bookings", json={"starts_at": next_day_at(11, 4).isoformat()}, headers=punctual
    )
    assert fine.status_code == 201


async def test_one_reminder_per_booking_before_it_starts(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: Staff,
    new_device: Devices,
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    _, sid = await make_workshop(client, staff, seats=3)
    device_id, device = await new_device("dortmund")
    booked = (await client.post(f"{BASE}/sessions/{sid}/bookings", json={}, headers=device)).json()
    await run_jobs(app, sessions, "projektor", "dortmund", "attendance")
    assert await outbox(sessions) == []  # three days ahead: too early
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)
    async with sessions() as session, session.begin():
        await session.execute(update(Booking).values(starts_at=soon, ends_at=soon + dt.timedelta(hours=2)))
    for _ in range(2):
        await run_jobs(app, sessions, "projektor", "dortmund", "attendance")
    pushes = await outbox(sessions)
    assert [(p["data"]["booking_id"], p["audience"]["device_ids"]) for p in pushes] == [(booked["id"], [device_id])]
    assert booked["check_in_code"] in pushes[0]["body"]["de"]
