"""Equipment: pieces booked with a slot or reserved per seat by a workshop never exceed the count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient
from support_projektor import BASE, EDITOR, make_room, next_day_at, workshop_body

Devices = Callable[..., Awaitable[tuple[str, dict[str, str]]]]
Staff = Callable[..., Awaitable[dict[str, str]]]


async def _kit(client: AsyncTestClient[Litestar], staff: dict[str, str], count: int) -> str:
    made = await client.post(f"{BASE}/equipment", json={"name": {"de": "VR-Brille"}, "count": count}, headers=staff)
    assert made.status_code == 201, made.text
    kit: str = made.json()["id"]
    return kit


async def test_slots_share_the_pieces(client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices) -> None:
    staff = await new_staff("dortmund", EDITOR)
    first, second = await make_room(client, staff), await make_room(client, staff)
    kit = await _kit(client, staff, 2)
    _, a = await new_device("dortmund")
    _, b = await new_device("dortmund")
    start = next_day_at(11).isoformat()
    both = {"starts_at": start, "equipment": [{"id": kit, "count": 2}]}
    taken = await client.post(f"{BASE}/rooms/{first}/bookings", json=both, headers=a)
    assert taken.status_code == 201, taken.text
    one = {"starts_at": start, "equipment": [{"id": kit, "count": 1}]}
    refused = await client.post(f"{BASE}/rooms/{second}/bookings", json=one, headers=b)
    assert refused.status_code == 409 and "0 of the 1" in refused.json()["detail"]
    fewer = await client.put(f"{BASE}/equipment/{kit}", json={"name": {"de": "VR-Brille"}, "count": 1}, headers=staff)
    assert fewer.status_code == 409  # a booked piece cannot be taken away
    await client.post(f"{BASE}/bookings/{taken.json()['id']}/cancel", headers=a)
    assert (await client.post(f"{BASE}/rooms/{second}/bookings", json=one, headers=b)).status_code == 201
    unknown = {"starts_at": next_day_at(14).isoformat(), "equipment": [{"id": first, "count": 1}]}
    wrong = await client.post(f"{BASE}/rooms/{second}/bookings", json=unknown, headers=b)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "body.equipment[0].id"


async def test_workshops_reserve_pieces_per_seat(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    kit = await _kit(client, staff, 6)
    body = workshop_body(seats=3, equipment_id=kit, equipment_per_seat=2)
    made = await client.post(f"{BASE}/workshops", json=body, headers=staff)
    assert made.status_code == 201, made.text
    clash = await client.post(
        f"{BASE}/workshops", json=workshop_body(seats=1, equipment_id=kit, equipment_per_seat=1), headers=staff
    )
    assert clash.status_code == 409  # all six pieces are with the first workshop then
    sid = made.json()["sessions"][0]["id"]
    cancelled = await client.post(f"{BASE}/sessions/{sid}/cancel", json={"reason": "Ausfall"}, headers=staff)
    assert cancelled.status_code == 200
    again = await client.post(
        f"{BASE}/workshops", json=workshop_body(seats=1, equipment_id=kit, equipment_per_seat=1), headers=staff
    )
    assert again.status_code == 201


async def test_a_seat_hold_is_confirmed_with_the_contact(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    made = await client.post(f"{BASE}/workshops", json=workshop_body(seats=1, requires_contact=True), headers=staff)
    sid = made.json()["sessions"][0]["id"]
    _, device = await new_device("dortmund")
    _, other = await new_device("dortmund")
    held = await client.post(f"{BASE}/sessions/{sid}/holds", json={}, headers=device)
    assert held.status_code == 201 and held.json()["status"] == "held"
    until = dt.datetime.fromisoformat(held.json()["hold_expires_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=9) < until <= dt.timedelta(minutes=10)
    assert (
        await client.post(
            f"{BASE}/sessions/{sid}/bookings",
            json={"participant_name": "B", "participant_email": "b@example.org"},
            headers=other,
        )
    ).status_code == 409
    bare = await client.post(f"{BASE}/bookings/{held.json()['id']}/confirm", json={}, headers=device)
    assert bare.status_code == 422
    contact = {"participant_name": "Ada", "participant_email": "ada@example.org"}
    done = await client.post(f"{BASE}/bookings/{held.json()['id']}/confirm", json=contact, headers=device)
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
