"""'Tell me when there is space' and favourites: one push per crossing, hysteresis, cooldown, closures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_parking.models import Favourite, SpaceAlert

from core.testing import register_device
from push.models import PushOutbox

BASE = "/v1/dortmund/parking"
StaffFactory = Callable[..., Awaitable[dict[str, str]]]
BERLIN = ZoneInfo("Europe/Berlin")
FACILITY = {
    "name": "P+R Dortmund-Aplerbeck",
    "kind": "surface",
    "park_and_ride": True,
    "lat": 51.4914,
    "lon": 7.5519,
    "capacity": 100,
}


async def pushes(sessions: async_sessionmaker[AsyncSession], topic: str) -> list[PushOutbox]:
    async with sessions() as session:
        stmt = select(PushOutbox).where(PushOutbox.topic == topic).order_by(PushOutbox.created_at)
        return list((await session.scalars(stmt)).all())


async def test_one_push_per_crossing_with_hysteresis_and_cooldown(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: StaffFactory
) -> None:
    editor = await new_staff("dortmund", {"parking": "editor"})
    facility = (await client.post(f"{BASE}/facilities", json=FACILITY, headers=editor)).json()
    state_url = f"{BASE}/facilities/{facility['id']}/state"
    device_id, device = await register_device(client, "dortmund")
    _, other = await register_device(client, "dortmund")
    body: dict[str, Any] = {"facility_id": facility["id"], "threshold": 50}
    assert (await client.post(f"{BASE}/alerts", json=body)).status_code == 401
    created = await client.post(f"{BASE}/alerts", json=body, headers=device)
    assert created.status_code == 201, created.text
    assert created.json()["armed"] is True and created.json()["weekdays"] == [1, 2, 3, 4, 5, 6, 7]
    # another device's alert is active only on a weekday that is not today
    not_today = (dt.datetime.now(BERLIN).isoweekday() % 7) + 1
    quiet = {**body, "weekdays": [not_today]}
    assert (await client.post(f"{BASE}/alerts", json=quiet, headers=other)).status_code == 201

    async def count(free: int) -> int:
        response = await client.put(state_url, json={"free": free}, headers=editor)
        assert response.status_code == 200, response.text
        return len(await pushes(sessions, "parking.space"))

    assert await count(10) == 0  # full: nothing
    assert await count(60) == 1  # crossed: one push, to that device only
    (sent,) = await pushes(sessions, "parking.space")
    assert sent.audience["device_ids"] == [device_id] and sent.data["free"] == "60"
    assert sent.title["de"] == "Freie Plätze: P+R Dortmund-Aplerbeck"
    assert await count(70) == 1  # still above: no second push
    assert await count(48) == 1  # just below (hysteresis 5): not re-armed
    assert await count(55) == 1
    assert await count(44) == 1  # well below: armed again
    assert await count(60) == 1  # crossed again, but within the cooldown
    async with sessions() as session, session.begin():
        await session.execute(
            update(SpaceAlert).values(last_sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
        )
    assert await count(44) == 1
    assert await count(61) == 2  # after the cooldown: the next crossing pushes
    listed = (await client.get(f"{BASE}/alerts", headers=device)).json()
    assert len(listed) == 1 and listed[0]["armed"] is False


async def test_any_park_and_ride_near_a_point(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: StaffFactory
) -> None:
    editor = await new_staff("dortmund", {"parking": "editor"})
    facility = (await client.post(f"{BASE}/facilities", json=FACILITY, headers=editor)).json()
    _, device = await register_device(client, "dortmund")
    near = {"near": {"lat": 51.4920, "lon": 7.5530, "radius_m": 1000}, "threshold": 20, "start": "00:00"}
    assert (await client.post(f"{BASE}/alerts", json=near, headers=device)).status_code == 201
    far = {"near": {"lat": 51.40, "lon": 7.30, "radius_m": 1000}, "threshold": 20}
    assert (await client.post(f"{BASE}/alerts", json=far, headers=device)).status_code == 201
    await client.put(f"{BASE}/facilities/{facility['id']}/state", json={"free": 5}, headers=editor)
    assert await pushes(sessions, "parking.space") == []
    await client.put(f"{BASE}/facilities/{facility['id']}/state", json={"free": 30}, headers=editor)
    (sent,) = await pushes(sessions, "parking.space")
    assert sent.data == {"facility_id": facility["id"], "free": "30"}
    await _bad_alerts_name_the_field(client)


async def _bad_alerts_name_the_field(client: AsyncTestClient[Litestar]) -> None:
    _, device = await register_device(client, "dortmund")
    cases = [
        ({"threshold": 5}, "body.facility_id"),
        ({"near": {"lat": 51.5, "lon": 7.4}, "threshold": 5, "start": "09:00", "end": "07:00"}, "body.end"),
        ({"near": {"lat": 51.5, "lon": 7.4}, "threshold": 0}, "body.threshold"),
        ({"near": {"lat": 51.5, "lon": 7.4}, "threshold": 5, "weekdays": [8]}, "body.weekdays[0]"),
        ({"near": {"lat": 51.5, "lon": 7.4}, "threshold": 5, "start": "7:00"}, "body.start"),
        ({"facility_id": "0190e0d4-0000-7000-8000-000000000000", "threshold": 5}, "body.facility_id"),
    ]
    for data, field in cases:
        response = await client.post(f"{BASE}/alerts", json=data, headers=device)
        assert response.status_code == 422, (data, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], response.json()


async def test_favourites_hear_of_unexpected_closures_and_go_with_the_device(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: StaffFactory
) -> None:
    editor = await new_staff("dortmund", {"parking": "editor"})
    around_the_clock = (await client.post(f"{BASE}/facilities", json=FACILITY, headers=editor)).json()
    nights_closed = {**FACILITY, "name": "Parkhaus Mo-Sa", "opening_hours": "Mo-Sa 07:00-22:00"}
    daytime = (await client.post(f"{BASE}/facilities", json=nights_closed, headers=editor)).json()
    device_id, device = await register_device(client, "dortmund")
    for facility in (around_the_clock, daytime):
        url = f"{BASE}/favourites/{facility['id']}"
        assert (await client.put(url)).status_code == 401
        assert (await client.put(url, headers=device)).status_code == 204
        assert (await client.put(url, headers=device)).status_code == 204  # idempotent
        await client.put(f"{BASE}/facilities/{facility['id']}/state", json={"free": 30}, headers=editor)
    favourites = (await client.get(f"{BASE}/favourites", headers=device)).json()
    assert [f["facility_id"] for f in favourites] == [around_the_clock["id"], daytime["id"]]
    # the feed says closed: news for the 24/7 one, the usual evening for the other
    for facility in (around_the_clock, daytime):
        state = {"free": 30, "status": "closed"}
        await client.put(f"{BASE}/facilities/{facility['id']}/state", json=state, headers=editor)
    (closed,) = await pushes(sessions, "parking.closures")
    assert closed.audience["device_ids"] == [device_id] and closed.data["facility_id"] == around_the_clock["id"]
    # staff closing it today is always news
    await client.put(f"{BASE}/facilities/{daytime['id']}/closure", json={}, headers=editor)
    assert len(await pushes(sessions, "parking.closures")) == 2

    alert = {"facility_id": daytime["id"], "threshold": 5}
    assert (await client.post(f"{BASE}/alerts", json=alert, headers=device)).status_code == 201
    export = (await client.get("/v1/dortmund/devices/me/export", headers=device)).json()["modules"]["parking"]
    assert len(export["favourites"]) == 2 and export["alerts"][0]["threshold"] == 5
    assert (await client.delete("/v1/dortmund/devices/me", headers=device)).status_code == 204
    async with sessions() as session:
        assert (await session.scalars(select(Favourite))).all() == []
        assert (await session.scalars(select(SpaceAlert))).all() == []
