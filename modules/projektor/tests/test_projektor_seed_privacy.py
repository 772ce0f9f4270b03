"""The demo data (PROJEKTOR on Westenhellweg, a month of workshops) and the device's export/delete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_projektor.models import Booking, DeviceQuota
from stadtkern_projektor.models import Session as WorkshopSession
from support_projektor import BASE, EDITOR, make_workshop

from core.testing import run_jobs, run_seed

Devices = Callable[..., Awaitable[tuple[str, dict[str, str]]]]
Staff = Callable[..., Awaitable[dict[str, str]]]


async def test_demo_data_is_projektor_and_a_month_of_workshops(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_device: Devices
) -> None:
    await run_seed(app, sessions, "projektor", "dortmund")
    rooms = (await client.get(f"{BASE}/rooms")).json()["items"]
    assert {r["name"] for r in rooms} == {"Werkstattraum", "Maker-Ecke"}
    assert all("Westenhellweg" in r["address"] for r in rooms)
    workshops = (await client.get(f"{BASE}/workshops", headers={"Accept-Language": "en"})).json()["items"]
    assert "3D printing for beginners" in {w["title"] for w in workshops}
    starts = sorted(dt.datetime.fromisoformat(s["starts_at"]) for w in workshops for s in w["sessions"])
    assert len(starts) == 16 and (starts[-1] - starts[0]) < dt.timedelta(days=28)
    # the demo workshops can be booked
    _, device = await new_device("dortmund")
    sid = workshops[0]["sessions"][0]["id"]
    body = {"participant_name": "Demo", "participant_email": "demo@example.org"}
    assert (await client.post(f"{BASE}/sessions/{sid}/bookings", json=body, headers=device)).status_code == 201
    free = (await client.get(f"{BASE}/rooms/{rooms[0]['id']}/availability", params={"days": 14})).json()["slots"]
    assert free and all(s["free"] for s in free)


async def test_export_then_delete_everything_of_a_device(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: Staff,
    new_device: Devices,
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    _, sid = await make_workshop(client, staff, seats=1, requires_contact=True)
    _, device = await new_device("dortmund")
    _, waiting = await new_device("dortmund")
    body = {"participant_name": "Ada", "participant_email": "ada@example.org", "wait": True}
    mine = await client.post(f"{BASE}/sessions/{sid}/bookings", json=body, headers=device)
    queued = await client.post(f"{BASE}/sessions/{sid}/bookings", json=body, headers=waiting)
    export = await client.get("/v1/dortmund/devices/me/export", headers=device)
    assert export.status_code == 200, export.text
    kept = export.json()["modules"]["projektor"] if "modules" in export.json() else export.json()["projektor"]
    assert [(b["id"], b["participant_email"]) for b in kept["bookings"]] == [(mine.json()["id"], "ada@example.org")]
    assert (await client.delete("/v1/dortmund/devices/me", headers=device)).status_code in (200, 204)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).where(Booking.participant_email == "ada@example.org")) == 1
        assert await session.scalar(select(func.count()).where(Booking.id == mine.json()["id"])) == 0
        assert await session.scalar(select(func.count()).select_from(DeviceQuota)) == 0
        seats = await session.scalar(select(WorkshopSession.seats_taken))
    assert seats == 0  # the deleted device's seat was given back
    # and the job offers it to the one waiting
    await run_jobs(app, sessions, "projektor", "dortmund", "release-holds")
    offered = await client.get(f"{BASE}/bookings/{queued.json()['id']}", headers=waiting)
    assert offered.json()["status"] == "offered"


async def test_participant_contacts_go_a_week_after_the_session(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: Staff,
    new_device: Devices,
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    _, sid = await make_workshop(client, staff, seats=2, requires_contact=True)
    _, device = await new_device("dortmund")
    body = {"participant_name": "Ada", "participant_email": "ada@example.org"}
    booked = (await client.post(f"{BASE}/sessions/{sid}/bookings", json=body, headers=device)).json()
    await run_jobs(app, sessions, "projektor", "dortmund", "forget-contacts")
    assert (await client.get(f"{BASE}/bookings/{booked['id']}", headers=device)).json()["participant_email"]
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    async with sessions() as session, session.begin():
        await session.execute(update(Booking).values(starts_at=past, ends_at=past + dt.timedelta(hours=2)))
    await run_jobs(app, sessions, "projektor", "dortmund", "forget-contacts")
    kept = (await client.get(f"{BASE}/bookings/{booked['id']}", headers=device)).json()
    assert (kept["participant_name"], kept["participant_email"]) == (None, None)
