"""Room slots through the API: availability, holds and their expiry, approval, limits, deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_projektor.models import Booking
from support_projektor import BASE, EDITOR, make_room, next_day_at, outbox

from core.testing import run_jobs

Devices = Callable[..., Awaitable[tuple[str, dict[str, str]]]]
Staff = Callable[..., Awaitable[dict[str, str]]]


async def _free(client: AsyncTestClient[Litestar], room: str, start: dt.datetime) -> bool | None:
    day = start.date().isoformat()
    answer = await client.get(f"{BASE}/rooms/{room}/availability", params={"start": day, "days": 1})
    assert answer.status_code == 200, answer.text
    for slot in answer.json()["slots"]:
        if dt.datetime.fromisoformat(slot["starts_at"]) == start:
            return bool(slot["free"])
    return None


async def test_availability_booking_and_closure(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff)
    _, device = await new_device("dortmund")
    start = next_day_at(11)
    assert await _free(client, room, start) is True
    booked = await client.post(f"{BASE}/rooms/{room}/bookings", json={"starts_at": start.isoformat()}, headers=device)
    assert booked.status_code == 201, booked.text
    assert booked.json()["status"] == "confirmed" and booked.json()["check_in_code"]
    assert await _free(client, room, start) is False
    again = await client.post(f"{BASE}/rooms/{room}/bookings", json={"starts_at": start.isoformat()}, headers=device)
    assert again.status_code == 409
    later = start + dt.timedelta(hours=3)
    closure = {
        "room_id": room,
        "starts_at": later.isoformat(),
        "ends_at": (later + dt.timedelta(hours=2)).isoformat(),
        "reason": {"de": "Wartung"},
    }
    assert (await client.post(f"{BASE}/closures", json=closure, headers=staff)).status_code == 201
    assert await _free(client, room, later) is None  # not offered at all
    refused = await client.post(f"{BASE}/rooms/{room}/bookings", json={"starts_at": later.isoformat()}, headers=device)
    assert refused.status_code == 409


async def test_bad_starts_are_422_naming_the_field(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff)
    _, device = await new_device("dortmund")
    off_grid = next_day_at(11) + dt.timedelta(minutes=15)
    for start, why in ((off_grid, "slot"), (next_day_at(11, days=40), "days ahead")):
        answer = await client.post(
            f"{BASE}/rooms/{room}/bookings", json={"starts_at": start.isoformat()}, headers=device
        )
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["body.starts_at"]
        assert why in answer.json()["errors"][0]["message"]
    naive = await client.post(
        f"{BASE}/rooms/{room}/bookings", json={"starts_at": "2030-01-01T10:00:00"}, headers=device
    )
    assert naive.status_code == 422
    days = await client.get(f"{BASE}/rooms/{room}/availability", params={"days": 90})
    assert days.status_code == 422 and days.json()["errors"][0]["field"] == "query.days"


async def test_a_hold_runs_out_and_the_job_frees_the_slot(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: Staff,
    new_device: Devices,
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff)
    _, device = await new_device("dortmund")
    start = next_day_at(11)
    held = await client.post(f"{BASE}/rooms/{room}/holds", json={"starts_at": start.isoformat()}, headers=device)
    assert held.status_code == 201 and held.json()["status"] == "held"
    assert await _free(client, room, start) is False
    async with sessions() as session, session.begin():
        await session.execute(update(Booking).values(hold_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    late = await client.post(f"{BASE}/bookings/{held.json()['id']}/confirm", json={}, headers=device)
    assert late.status_code == 409
    assert await run_jobs(app, sessions, "projektor", "dortmund", "release-holds") == 1
    mine = await client.get(f"{BASE}/bookings/{held.json()['id']}", headers=device)
    assert mine.json()["status"] == "expired"
    assert await _free(client, room, start) is True


async def test_hold_then_confirm(client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff)
    _, device = await new_device("dortmund")
    _, other = await new_device("dortmund")
    start = next_day_at(11).isoformat()
    held = await client.post(f"{BASE}/rooms/{room}/holds", json={"starts_at": start}, headers=device)
    assert (
        await client.post(f"{BASE}/rooms/{room}/holds", json={"starts_at": start}, headers=other)
    ).status_code == 409
    stranger = await client.post(f"{BASE}/bookings/{held.json()['id']}/confirm", json={}, headers=other)
    assert stranger.status_code == 404
    done = await client.post(f"{BASE}/bookings/{held.json()['id']}/confirm", json={}, headers=device)
    assert done.status_code == 200 and done.json()["status"] == "confirmed"


async def test_approval_flow_pushes_each_change(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff, requires_approval=True)
    device_id, device = await new_device("dortmund")
    ids = []
    for hour in (11, 14):
        answer = await client.post(
            f"{BASE}/rooms/{room}/bookings",
            json={"starts_at": next_day_at(hour).isoformat(), "group_size": 12},
            headers=device,
        )
        assert answer.status_code == 201 and answer.json()["status"] == "pending", answer.text
        ids.append(answer.json()["id"])
    queue = await client.get(f"{BASE}/approvals", headers=staff)
    assert [b["id"] for b in queue.json()["items"]] == ids
    no_reason = await client.post(f"{BASE}/approvals/{ids[0]}", json={"approve": False}, headers=staff)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "body.reason"
    declined = await client.post(
        f"{BASE}/approvals/{ids[0]}", json={"approve": False, "reason": "Belegt"}, headers=staff
    )
    assert declined.json()["status"] == "declined" and declined.json()["reason"] == "Belegt"
    approved = await client.post(f"{BASE}/approvals/{ids[1]}", json={"approve": True}, headers=staff)
    assert approved.json()["status"] == "confirmed"
    assert (await client.post(f"{BASE}/approvals/{ids[1]}", json={"approve": True}, headers=staff)).status_code == 409
    pushes = await outbox(sessions)
    assert [(p["data"]["booking_id"], p["data"]["status"]) for p in pushes] == [
        (ids[0], "declined"),
        (ids[1], "confirmed"),
    ]
    assert all(p["audience"]["device_ids"] == [device_id] for p in pushes)
    assert "Belegt" in pushes[0]["body"]["de"]
    resident = await client.post(f"{BASE}/approvals/{ids[1]}", json={"approve": True}, headers=device)
    assert resident.status_code in (401, 403)


async def test_device_limit_and_cancel_deadline(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff, cancel_hours=24)
    _, device = await new_device("dortmund")
    made = []
    for hour in (11, 14, 17):  # Dortmund's test setting: 3 active bookings per device
        answer = await client.post(
            f"{BASE}/rooms/{room}/bookings", json={"starts_at": next_day_at(hour, 3).isoformat()}, headers=device
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])
    fourth = await client.post(
        f"{BASE}/rooms/{room}/bookings", json={"starts_at": next_day_at(8, 3).isoformat()}, headers=device
    )
    assert fourth.status_code == 409 and "3 active bookings" in fourth.json()["detail"]
    cancelled = await client.post(f"{BASE}/bookings/{made[0]}/cancel", headers=device)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    # the place is free again; a booking within 24 hours cannot be cancelled any more
    grid = (await client.get(f"{BASE}/rooms/{room}/availability", params={"days": 2})).json()["slots"]
    soon = grid[0]["starts_at"]  # the earliest slot the notice allows: well within 24 hours
    assert dt.datetime.fromisoformat(soon) < dt.datetime.now(dt.UTC) + dt.timedelta(hours=24)
    near = await client.post(f"{BASE}/rooms/{room}/bookings", json={"starts_at": soon}, headers=device)
    assert near.status_code == 201, near.text
    late = await client.post(f"{BASE}/bookings/{near.json()['id']}/cancel", headers=device)
    assert late.status_code == 409 and "deadline" in late.json()["detail"]
