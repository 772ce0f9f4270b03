"""Tell me when it is free: one push when a matching EVSE frees up, alternatives when it is taken again,
no flapping; favourites; the device's data in its export and delete; staff outage alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from charging_kit import CCS_150, T2_22, job_context, ocpi_location, store_ocpi
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.jobs import watch_free
from stadtkern_charging.models import Evse, Favourite, Watch
from stadtkern_charging.services.status import set_status
from stadtkern_charging.settings import ChargingSettings

from core.api import utcnow
from core.api.tenancy import sessions_for_city
from push.models import PushOutbox

NewDevice = Callable[..., Awaitable[tuple[str, dict[str, str]]]]
URL = "/v1/dortmund/charging"


async def _outbox(sessions: async_sessionmaker[AsyncSession], topic: str) -> list[PushOutbox]:
    async with sessions() as session:
        stmt = select(PushOutbox).where(PushOutbox.topic == topic).order_by(PushOutbox.created_at)
        return list((await session.scalars(stmt)).all())


async def _set(sessions: async_sessionmaker[AsyncSession], uid: str, status: str, ago_s: int = 0) -> None:
    async with sessions_for_city(sessions, "dortmund")() as session, session.begin():
        evse = (await session.scalars(select(Evse).where(Evse.uid == uid))).one()
        set_status(session, evse, status, source="test")
        evse.status_since = utcnow() - dt.timedelta(seconds=ago_s)


async def _age_pushes(sessions: async_sessionmaker[AsyncSession], seconds: int) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(Watch).values(last_push_at=utcnow() - dt.timedelta(seconds=seconds)))


async def test_one_push_when_free_then_alternatives_when_taken_again(
    database: str,
    sessions: async_sessionmaker[AsyncSession],
    client: AsyncTestClient[Litestar],
    new_device: NewDevice,
) -> None:
    rows = await store_ocpi(
        sessions,
        [
            ocpi_location("HBF", 51.5180, 7.4590, [("1", "CHARGING", [CCS_150]), ("2", "CHARGING", [T2_22])]),
            ocpi_location("WALL", 51.5136, 7.4653, [("3", "CHARGING", [CCS_150])]),
        ],
    )
    device, headers = await new_device("dortmund")
    _, other_headers = await new_device("dortmund")
    body = {"location_id": str(rows["HBF"].id), "plugs": ["IEC_62196_T2_COMBO"], "min_power_kw": 50, "minutes": 60}
    created = await client.post(f"{URL}/watches", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "waiting"
    ctx = job_context(sessions, ChargingSettings(free_for_seconds=60, cooldown_seconds=300))

    await watch_free(ctx)
    assert await _outbox(sessions, "charging.free") == []
    await _set(sessions, "2", "AVAILABLE", ago_s=600)  # free, but a Type 2: not what the driver asked for
    await _set(sessions, "1", "AVAILABLE")  # the CCS, free this very second: wait out the hysteresis
    await watch_free(ctx)
    assert await _outbox(sessions, "charging.free") == []
    await _set(sessions, "1", "AVAILABLE", ago_s=90)
    await watch_free(ctx)
    await watch_free(ctx)  # no second push for the same free spell
    pushes = await _outbox(sessions, "charging.free")
    assert len(pushes) == 1
    assert pushes[0].audience["device_ids"] == [device] and pushes[0].title["de"] == "Frei: Ladepunkt HBF"

    await _set(sessions, "1", "CHARGING")  # taken before the driver arrived
    await _set(sessions, "3", "AVAILABLE", ago_s=300)  # a CCS nearby is free
    await watch_free(ctx)
    assert len(await _outbox(sessions, "charging.free")) == 1  # cool-down first
    await _age_pushes(sessions, 301)
    await watch_free(ctx)
    pushes = await _outbox(sessions, "charging.free")
    assert len(pushes) == 2 and pushes[1].body["de"] == "Frei: Ladepunkt WALL"
    watches = (await client.get(f"{URL}/watches", headers=headers)).json()
    assert [(w["state"], w["pushes"]) for w in watches] == [("done", 2)]
    assert (await client.get(f"{URL}/watches", headers=other_headers)).json() == []
    assert (await client.delete(f"{URL}/watches/{watches[0]['id']}", headers=other_headers)).status_code == 404


async def test_a_watch_is_read_at_its_location_by_its_own_device_only(
    database: str, sessions: async_sessionmaker[AsyncSession], client: AsyncTestClient[Litestar], new_device: NewDevice
) -> None:
    rows = await store_ocpi(sessions, [ocpi_location("HBF", 51.5180, 7.4590, [("1", "CHARGING", [CCS_150])])])
    _, headers = await new_device("dortmund")
    _, other_headers = await new_device("dortmund")
    created = await client.post(f"{URL}/watches", json={"location_id": str(rows["HBF"].id)}, headers=headers)
    assert created.status_code == 201, created.text
    where = created.headers["location"]
    assert where == f"{URL}/watches/{created.json()['id']}"
    read = await client.get(where, headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == created.json()["id"]
    assert read.json() == (await client.get(f"{URL}/watches", headers=headers)).json()[0]
    assert (await client.get(where)).status_code == 401
    assert (await client.get(where, headers=other_headers)).status_code == 404  # another device's

    _, schwerte_headers = await new_device("schwerte")
    near_schwerte = {"lat": 51.445, "lon": 7.565, "radius_m": 1000}
    theirs = await client.post("/v1/schwerte/charging/watches", json=near_schwerte, headers=schwerte_headers)
    assert theirs.status_code == 201, theirs.text
    assert theirs.headers["location"] == f"/v1/schwerte/charging/watches/{theirs.json()['id']}"
    assert (await client.get(theirs.headers["location"], headers=schwerte_headers)).status_code == 200
    elsewhere = await client.get(f"{URL}/watches/{theirs.json()['id']}", headers=headers)
    assert elsewhere.status_code == 404  # another city's


async def test_a_point_watch_expires_and_bad_watches_are_problems(
    database: str, sessions: async_sessionmaker[AsyncSession], client: AsyncTestClient[Litestar], new_device: NewDevice
) -> None:
    await store_ocpi(sessions, [ocpi_location("HBF", 51.5180, 7.4590, [("1", "CHARGING", [CCS_150])])])
    _, headers = await new_device("dortmund")
    near_me = {"lat": 51.517, "lon": 7.459, "radius_m": 1000, "plugs": ["IEC_62196_T2_COMBO"]}
    assert (await client.post(f"{URL}/watches", json=near_me, headers=headers)).status_code == 201
    async with sessions() as session, session.begin():
        await session.execute(update(Watch).values(ends_at=utcnow() - dt.timedelta(seconds=1)))
    await _set(sessions, "1", "AVAILABLE", ago_s=600)
    await watch_free(job_context(sessions))
    assert await _outbox(sessions, "charging.free") == []
    assert [w["state"] for w in (await client.get(f"{URL}/watches", headers=headers)).json()] == ["expired"]
    bad: list[tuple[dict[str, Any], str]] = [
        ({"minutes": 60}, "body.location_id"),
        ({"lat": 51.5, "lon": 7.4, "minutes": 100000}, "minutes"),
        ({"location_id": "01900000-0000-7000-8000-000000000000"}, "body.location_id"),
        ({"lat": 51.5, "lon": 7.4, "plugs": ["SCHUKO"]}, "plugs"),
    ]
    for data, field in bad:
        response = await client.post(f"{URL}/watches", json=data, headers=headers)
        assert response.status_code in (400, 422) and field in response.text, (data, response.text)
    assert (await client.post(f"{URL}/watches", json=near_me)).status_code == 401


async def test_favourites_and_the_devices_export_and_delete(
    database: str, sessions: async_sessionmaker[AsyncSession], client: AsyncTestClient[Litestar], new_device: NewDevice
) -> None:
    rows = await store_ocpi(sessions, [ocpi_location("HBF", 51.5180, 7.4590, [("1", "CHARGING", [CCS_150])])])
    _, headers = await new_device("dortmund")
    hbf = str(rows["HBF"].id)
    assert (await client.put(f"{URL}/favourites/{hbf}", headers=headers)).status_code == 204
    assert (await client.put(f"{URL}/favourites/{hbf}", headers=headers)).status_code == 204
    assert [f["location_id"] for f in (await client.get(f"{URL}/favourites", headers=headers)).json()] == [hbf]
    await client.post(f"{URL}/watches", json={"location_id": hbf}, headers=headers)
    export = (await client.get("/v1/dortmund/devices/me/export", headers=headers)).json()
    assert [f["location_id"] for f in export["modules"]["charging"]["favourites"]] == [hbf]
    assert [w["location_id"] for w in export["modules"]["charging"]["watches"]] == [hbf]
    assert (await client.delete("/v1/dortmund/devices/me", headers=headers)).status_code in (200, 204)
    async with sessions() as session:
        assert (await session.scalars(select(Favourite))).all() == []
        assert (await session.scalars(select(Watch))).all() == []


async def test_staff_hear_of_a_city_charger_out_of_order_for_long(
    database: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await store_ocpi(
        sessions,
        [
            ocpi_location("CITY", 51.51, 7.45, [("1", "OUTOFORDER", [T2_22])], operator={"name": "Stadt Dortmund"}),
            ocpi_location("OTHER", 51.52, 7.46, [("2", "OUTOFORDER", [T2_22])]),
        ],
    )
    settings = ChargingSettings(city_operators=["stadt dortmund"], outage_alert_after_minutes=120)
    await watch_free(job_context(sessions, settings))
    assert await _outbox(sessions, "charging.outages") == []  # not long enough yet
    await _set(sessions, "1", "OUTOFORDER", ago_s=3 * 3600)
    await _set(sessions, "2", "OUTOFORDER", ago_s=3 * 3600)
    await watch_free(job_context(sessions, settings))
    await watch_free(job_context(sessions, settings))
    alerts = await _outbox(sessions, "charging.outages")
    assert [a.title["de"] for a in alerts] == ["Ladepunkt gestört: Ladepunkt CITY"]
    assert "seit 3 Stunden" in alerts[0].body["de"]
