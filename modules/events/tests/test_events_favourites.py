"""Favourites per device, export/import, reminders claimed by the polling job, update pushes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from events_testkit import event_body, job_context, local, outbox
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.jobs import send_reminders
from stadtkern_events.models import Favourite, Reminder

from core.testing import register_device, staff_headers

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"


async def _event(client: Client, staff: dict[str, str], **overrides: object) -> str:
    response = await client.post(f"{BASE}/events", json=event_body(**overrides), headers=staff)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_favourites_export_and_import(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    first, second = await _event(client, staff), await _event(client, staff, start=local(5, 10), end=local(5, 11))
    _, old_phone = await register_device(client)
    assert (
        await client.put(f"{BASE}/favourites/{first}", json={"remind_minutes": 30}, headers=old_phone)
    ).status_code == 200
    assert (await client.put(f"{BASE}/favourites/{second}", json={}, headers=old_phone)).status_code == 200
    assert (await client.put(f"{BASE}/favourites/{uuid.uuid4()}", json={}, headers=old_phone)).status_code == 404
    listed = (await client.get(f"{BASE}/favourites", headers=old_phone)).json()
    assert [(f["event_id"], f["remind_minutes"]) for f in listed] == [(first, 30), (second, None)]

    exported = (await client.get(f"{BASE}/favourites/export", headers=old_phone)).json()
    _, new_phone = await register_device(client)
    missing = str(uuid.uuid4())
    exported["favourites"].append({"event_id": missing})
    imported = await client.post(f"{BASE}/favourites/import", json=exported, headers=new_phone)
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"imported": 2, "unknown": [missing]}
    again = (await client.get(f"{BASE}/favourites", headers=new_phone)).json()
    assert [(f["event_id"], f["remind_minutes"]) for f in again] == [(first, 30), (second, None)]

    assert (await client.delete(f"{BASE}/favourites/{first}", headers=new_phone)).status_code == 204
    assert len((await client.get(f"{BASE}/favourites", headers=new_phone)).json()) == 1
    assert len((await client.get(f"{BASE}/favourites", headers=old_phone)).json()) == 2
    # another city's device cannot use Dortmund's favourites
    _, schwerte = await register_device(client, "schwerte")
    assert (await client.get(f"{BASE}/favourites", headers=schwerte)).status_code == 403


async def test_deleting_the_device_deletes_its_favourites(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    event = await _event(client, staff)
    _, phone = await register_device(client)
    await client.put(f"{BASE}/favourites/{event}", json={"remind_minutes": 10}, headers=phone)
    assert (await client.delete("/v1/dortmund/devices/me", headers=phone)).status_code == 204
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Favourite)) == 0
        assert await session.scalar(select(func.count()).select_from(Reminder)) == 0


async def test_reminder_is_claimed_and_pushed_once(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    weekly = await _event(client, staff, start=local(2, 19), end=local(2, 21), rrule="FREQ=WEEKLY;COUNT=3")
    device_id, phone = await register_device(client)
    await client.put(f"{BASE}/favourites/{weekly}", json={"remind_minutes": 60}, headers=phone)
    async with sessions() as session:
        reminders = list((await session.scalars(select(Reminder))).all())
    assert len(reminders) == 1
    due = reminders[0].due_at
    assert reminders[0].occurrence_start - due == dt.timedelta(hours=1)

    ctx = job_context(sessions)
    assert await send_reminders(ctx, now=due - dt.timedelta(minutes=1)) == 0
    assert await send_reminders(ctx, now=due + dt.timedelta(seconds=30)) == 1
    assert await send_reminders(ctx, now=due + dt.timedelta(seconds=60)) == 0  # claimed once
    rows = await outbox(sessions, "events.reminders")
    assert len(rows) == 1
    assert rows[0].audience == {"device_ids": [device_id]}
    assert rows[0].deep_link == f"stadtkern://events/{weekly}"
    async with sessions() as session:
        pending = list((await session.scalars(select(Reminder).where(Reminder.state == "pending"))).all())
    # the next week's date got its own reminder
    assert len(pending) == 1 and pending[0].occurrence_start - reminders[0].occurrence_start == dt.timedelta(days=7)


async def test_cancelling_a_favourite_pushes_an_update(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    event = await _event(client, staff)
    lonely = await _event(client, staff, title={"de": "Niemand merkt sich das"})
    first_id, first = await register_device(client)
    second_id, second = await register_device(client)
    await register_device(client)  # did not mark it: not addressed
    for phone in (first, second):
        await client.put(f"{BASE}/favourites/{event}", json={"remind_minutes": 15}, headers=phone)

    # a change residents need not hear about (the description) sends nothing
    quiet = event_body(description={"de": "Mit Picknick"})
    assert (await client.put(f"{BASE}/events/{event}", json=quiet, headers=staff)).status_code == 200
    assert await outbox(sessions, "events.updates") == []

    cancelled = await client.put(f"{BASE}/events/{event}", json=event_body(status="cancelled"), headers=staff)
    assert cancelled.status_code == 200
    await client.put(f"{BASE}/events/{lonely}", json=event_body(status="cancelled"), headers=staff)
    rows = await outbox(sessions, "events.updates")
    assert len(rows) == 1
    assert set(rows[0].audience["device_ids"]) == {first_id, second_id}
    assert rows[0].data == {"event_id": event, "change": "CANCELLED"}
    assert rows[0].title["de"].startswith("Abgesagt")
    async with sessions() as session:  # a cancelled event reminds no one
        assert await session.scalar(select(func.count()).select_from(Reminder).where(Reminder.state == "pending")) == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": "postponed"}, "POSTPONED"),
        ({"status": "moved_online", "attendance_mode": "online"}, "MOVED_ONLINE"),
        ({"start": local(4, 19), "end": local(4, 21)}, "RESCHEDULED"),
        ({"place": {"name": "Konzerthaus", "lat": 51.516, "lon": 7.4635}}, "MOVED"),
    ],
)
async def test_other_changes_push_too(
    client: Client, sessions: async_sessionmaker[AsyncSession], change: dict[str, object], code: str
) -> None:
    staff = await staff_headers(client, sessions)
    event = await _event(client, staff)
    _, phone = await register_device(client)
    await client.put(f"{BASE}/favourites/{event}", json={}, headers=phone)
    response = await client.put(f"{BASE}/events/{event}", json=event_body(**change), headers=staff)
    assert response.status_code == 200, response.text
    rows = await outbox(sessions, "events.updates")
    assert [r.data["change"] for r in rows] == [code]
