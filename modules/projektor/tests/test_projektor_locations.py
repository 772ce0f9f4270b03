"""Every 201 says where the created resource is read (``Location``), and that GET answers it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable

from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from support_projektor import BASE, EDITOR, make_room, make_workshop, next_day_at, room_body, workshop_body

Devices = Callable[..., Awaitable[tuple[str, dict[str, str]]]]
Staff = Callable[..., Awaitable[dict[str, str]]]
SCHWERTE = "/v1/schwerte/projektor"
KIT = {"name": {"de": "Lötstation", "en": "Soldering station"}, "count": 3}


async def _read(client: AsyncTestClient[Litestar], created: Response, url: str, headers: dict[str, str]) -> None:
    """``created`` answered 201 with ``Location: url``; GET there answers the same id."""
    assert created.status_code == 201, created.text
    assert created.headers["location"] == url
    read = await client.get(url, headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == created.json()["id"]


async def test_rooms_and_workshops_are_read_at_their_location(
    client: AsyncTestClient[Litestar], new_staff: Staff
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await client.post(f"{BASE}/rooms", json=room_body(), headers=staff)
    await _read(client, room, f"{BASE}/rooms/{room.json()['id']}", {})
    workshop = await client.post(f"{BASE}/workshops", json=workshop_body(), headers=staff)
    workshop_id = workshop.json()["id"]
    await _read(client, workshop, f"{BASE}/workshops/{workshop_id}", {})
    start = next_day_at(10, days=5)
    session = {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=2)).isoformat(), "seats": 8}
    added = await client.post(f"{BASE}/workshops/{workshop_id}/sessions", json=session, headers=staff)
    await _read(client, added, f"{BASE}/workshops/{workshop_id}", {})  # the answer is the workshop
    shown = (await client.get(added.headers["location"])).json()
    assert [s["id"] for s in shown["sessions"]] == [s["id"] for s in added.json()["sessions"]]
    assert len(shown["sessions"]) == 2


async def test_an_unpublished_workshop_is_read_by_editors_only(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    draft = await client.post(f"{BASE}/workshops", json=workshop_body(published=False), headers=staff)
    await _read(client, draft, f"{BASE}/workshops/{draft.json()['id']}", staff)  # its Location works for them
    read = await client.get(draft.headers["location"], headers=staff)
    assert read.json()["published"] is False and read.headers["cache-control"] == "private, no-store"
    _, device = await new_device()
    for headers in ({}, device, await new_staff("schwerte", EDITOR)):
        assert (await client.get(draft.headers["location"], headers=headers)).status_code == 404


async def test_equipment_is_read_like_its_list(client: AsyncTestClient[Litestar], new_staff: Staff) -> None:
    staff = await new_staff("dortmund", EDITOR)
    created = await client.post(f"{BASE}/equipment", json=KIT, headers=staff)
    kit = created.json()["id"]
    await _read(client, created, f"{BASE}/equipment/{kit}", {})  # public, like GET /equipment
    read = (await client.get(f"{BASE}/equipment/{kit}", headers={"Accept-Language": "en"})).json()
    assert (read["name"], read["count"]) == ("Soldering station", 3)
    assert (await client.get(f"{SCHWERTE}/equipment/{kit}")).status_code == 404  # another city's
    assert (await client.get(f"{BASE}/equipment/{uuid.uuid4()}")).status_code == 404


async def test_closures_are_read_by_editors(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    elsewhere = await new_staff("schwerte", EDITOR)
    _, device = await new_device("dortmund")
    start = next_day_at(8, days=10)
    body = {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(days=1)).isoformat()}
    created = await client.post(f"{BASE}/closures", json={**body, "reason": {"de": "Inventur"}}, headers=staff)
    closure = created.json()["id"]
    await _read(client, created, f"{BASE}/closures/{closure}", staff)
    assert (await client.get(f"{BASE}/closures/{closure}", headers=staff)).json()["reason"] == "Inventur"
    assert (await client.get(f"{BASE}/closures/{closure}")).status_code == 401
    assert (await client.get(f"{BASE}/closures/{closure}", headers=device)).status_code in (401, 403)
    assert (await client.get(f"{SCHWERTE}/closures/{closure}", headers=elsewhere)).status_code == 404
    assert (await client.delete(f"{BASE}/closures/{closure}", headers=staff)).status_code == 204
    assert (await client.get(f"{BASE}/closures/{closure}", headers=staff)).status_code == 404


async def test_bookings_are_read_at_their_location(
    client: AsyncTestClient[Litestar], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff)
    _, sid = await make_workshop(client, staff, seats=1)
    _, device = await new_device("dortmund")
    _, other = await new_device("dortmund")
    _, waiting = await new_device("dortmund")
    eleven, two = {"starts_at": next_day_at(11).isoformat()}, {"starts_at": next_day_at(14).isoformat()}
    made = [
        (await client.post(f"{BASE}/rooms/{room}/holds", json=eleven, headers=device), device),
        (await client.post(f"{BASE}/rooms/{room}/bookings", json=two, headers=device), device),
        (await client.post(f"{BASE}/sessions/{sid}/holds", json={}, headers=device), device),  # the only seat
        (await client.post(f"{BASE}/sessions/{sid}/bookings", json={"wait": True}, headers=waiting), waiting),
    ]
    for created, owner in made:
        assert created.status_code == 201, created.text
        location = f"{BASE}/bookings/{created.json()['id']}"
        await _read(client, created, location, owner)
        assert (await client.get(location, headers=other)).status_code == 404
    assert [c.json()["status"] for c, _ in made] == ["held", "confirmed", "held", "waiting"]


async def test_the_feed_is_read_at_its_location(client: AsyncTestClient[Litestar], new_device: Devices) -> None:
    _, device = await new_device("dortmund")
    created = await client.post(f"{BASE}/feeds/mine", headers=device)
    assert created.status_code == 201, created.text
    feed = created.json()
    assert created.headers["location"] == feed["path"] == f"{BASE}/feeds/{feed['token']}/bookings.ics"
    read = await client.get(created.headers["location"])  # the secret URL is the key: no credential
    assert read.status_code == 200 and read.headers["content-type"].startswith("text/calendar")
