"""Workshop seats through the API: the waiting list with its offer window and push, automatic
promotion, staff cancelling a session, participant contact where a workshop needs it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_projektor.models import Booking
from support_projektor import BASE, EDITOR, make_workshop, outbox

from core.testing import run_jobs

Devices = Callable[..., Awaitable[tuple[str, dict[str, str]]]]
Staff = Callable[..., Awaitable[dict[str, str]]]


async def _book(
    client: AsyncTestClient[Litestar], sid: str, device: dict[str, str], **body: object
) -> dict[str, object]:
    answer = await client.post(f"{BASE}/sessions/{sid}/bookings", json=body, headers=device)
    assert answer.status_code == 201, answer.text
    result: dict[str, object] = answer.json()
    return result


async def test_a_freed_seat_is_offered_in_order_and_passes_on_when_the_window_ends(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: Staff,
    new_device: Devices,
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    _, sid = await make_workshop(client, staff, seats=1, offer_minutes=120)
    _, first = await new_device("dortmund")
    (second_id, second), (third_id, third) = await new_device("dortmund"), await new_device("dortmund")
    seat = await _book(client, sid, first)
    full = await client.post(f"{BASE}/sessions/{sid}/bookings", json={}, headers=second)
    assert full.status_code == 409
    waiting = [await _book(client, sid, d, wait=True) for d in (second, third)]
    assert [(w["status"], w["position"]) for w in waiting] == [("waiting", 1), ("waiting", 2)]
    shown = await client.get(f"{BASE}/sessions/{sid}")
    assert (shown.json()["seats_left"], shown.json()["waiting"]) == (0, 2)
    assert (await client.post(f"{BASE}/bookings/{seat['id']}/cancel", headers=first)).status_code == 200
    offered = (await client.get(f"{BASE}/bookings/{waiting[0]['id']}", headers=second)).json()
    assert offered["status"] == "offered"
    window = dt.datetime.fromisoformat(offered["hold_expires_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=115) < window <= dt.timedelta(minutes=120)
    pushes = await outbox(sessions)
    assert [(p["data"]["booking_id"], p["audience"]["device_ids"]) for p in pushes] == [(waiting[0]["id"], [second_id])]
    assert "bestätige" in pushes[0]["body"]["de"]
    # the window passes: the job offers the seat to the next one
    async with sessions() as session, session.begin():
        await session.execute(
            update(Booking).where(Booking.status == "offered").values(hold_expires_at=dt.datetime.now(dt.UTC))
        )
    await run_jobs(app, sessions, "projektor", "dortmund", "release-holds")
    states = [
        (await client.get(f"{BASE}/bookings/{w['id']}", headers=h)).json()["status"]
        for w, h in zip(waiting, (second, third), strict=True)
    ]
    assert states == ["expired", "offered"]
    assert [p["audience"]["device_ids"] for p in await outbox(sessions)][-1] == [third_id]
    confirmed = await client.post(f"{BASE}/bookings/{waiting[1]['id']}/confirm", json={}, headers=third)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"


async def test_leaving_the_list_and_auto_promotion(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    _, sid = await make_workshop(client, staff, seats=1, auto_promote=True)
    _, a = await new_device("dortmund")
    _, b = await new_device("dortmund")
    _, c = await new_device("dortmund")
    seat = await _book(client, sid, a)
    wait_b = await _book(client, sid, b, wait=True)
    wait_c = await _book(client, sid, c, wait=True)
    assert (await client.post(f"{BASE}/bookings/{wait_b['id']}/cancel", headers=b)).json()["status"] == "left"
    await client.post(f"{BASE}/bookings/{seat['id']}/cancel", headers=a)
    assert (await client.get(f"{BASE}/bookings/{wait_c['id']}", headers=c)).json()["status"] == "confirmed"
    twice = await client.post(f"{BASE}/sessions/{sid}/bookings", json={"wait": True}, headers=c)
    assert twice.status_code == 409


async def test_staff_cancel_a_session_and_everyone_hears(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    _, sid = await make_workshop(client, staff, seats=1)
    people = [await new_device("dortmund") for _ in range(3)]
    for n, (_, headers) in enumerate(people):
        await _book(client, sid, headers, wait=n > 0)
    answer = await client.post(f"{BASE}/sessions/{sid}/cancel", json={"reason": "Krankheit"}, headers=staff)
    assert answer.status_code == 200 and answer.json()["ended"] == 3
    assert sorted(p["audience"]["device_ids"][0] for p in await outbox(sessions)) == sorted(d for d, _ in people)
    closed = await client.post(f"{BASE}/sessions/{sid}/bookings", json={"wait": True}, headers=people[0][1])
    assert closed.status_code == 409
    shown = await client.get(f"{BASE}/sessions/{sid}")
    assert shown.json()["cancelled"] is True and shown.json()["seats_left"] == 1


async def test_a_participant_list_needs_name_and_email(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    _, sid = await make_workshop(client, staff, seats=5, requires_contact=True)
    _, device = await new_device("dortmund")
    bare = await client.post(f"{BASE}/sessions/{sid}/bookings", json={}, headers=device)
    assert bare.status_code == 422
    assert [e["field"] for e in bare.json()["errors"]] == ["body.participant_name", "body.participant_email"]
    bad_mail = await client.post(
        f"{BASE}/sessions/{sid}/bookings", json={"participant_name": "Ada", "participant_email": "nope"}, headers=device
    )
    assert bad_mail.status_code == 422
    ok = await _book(client, sid, device, participant_name="Ada L.", participant_email="ada@example.org")
    listed = await client.get(f"{BASE}/sessions/{sid}/participants", headers=staff)
    assert [(p["id"], p["participant_name"]) for p in listed.json()] == [(ok["id"], "Ada L.")]
    assert (await client.get(f"{BASE}/sessions/{sid}/participants", headers=device)).status_code in (401, 403)


async def test_my_bookings_delta(client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices) -> None:
    staff = await new_staff("dortmund", EDITOR)
    _, sid = await make_workshop(client, staff, seats=5)
    _, device = await new_device("dortmund")
    _, other = await new_device("dortmund")
    first = await _book(client, sid, device)
    everything = await client.get(f"{BASE}/bookings/mine", headers=device)
    assert [b["id"] for b in everything.json()["items"]] == [first["id"]]
    assert (await client.get(f"{BASE}/bookings/mine", headers=other)).json()["items"] == []
    token = everything.json()["sync_token"]
    nothing = await client.get(f"{BASE}/bookings/mine", params={"since": token}, headers=device)
    assert [b["id"] for b in nothing.json()["items"]] == [
        first["id"]
    ]  # within the token's overlap: repeated, never missed
    await client.post(f"{BASE}/bookings/{first['id']}/cancel", headers=device)
    changed = await client.get(f"{BASE}/bookings/mine", params={"since": token}, headers=device)
    assert [(b["id"], b["status"]) for b in changed.json()["items"]] == [(first["id"], "cancelled")]
    assert (await client.get(f"{BASE}/bookings/mine", params={"since": "garbage"}, headers=device)).status_code == 422
