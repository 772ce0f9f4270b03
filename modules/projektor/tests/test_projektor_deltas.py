"""Lists apps poll: workshops (seats left) and rooms answer ?since= with what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_projektor.models import Booking, Session, Workshop
from support_projektor import BASE, EDITOR, make_room, make_workshop

Devices = Callable[..., Awaitable[tuple[str, dict[str, str]]]]
Staff = Callable[..., Awaitable[dict[str, str]]]


async def _later(client: AsyncTestClient[Litestar], path: str, token: str) -> list[str]:
    answer = await client.get(path, params={"since": token})
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


async def test_workshops_delta_follows_seats_and_waiting_lists(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: Staff, new_device: Devices
) -> None:
    staff = await new_staff("dortmund", EDITOR)
    busy, sid = await make_workshop(client, staff, seats=1)
    quiet, _ = await make_workshop(client, staff, seats=1)
    first = await client.get(f"{BASE}/workshops")
    assert sorted(w["id"] for w in first.json()["items"]) == sorted([busy, quiet])
    # age what exists by an hour (beyond the few seconds of overlap a token keeps), then change one
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    async with sessions() as session, session.begin():
        for model in (Workshop, Session, Booking):
            await session.execute(update(model).values(updated_at=hour_ago))
    token = (await client.get(f"{BASE}/workshops")).json()["sync_token"]
    assert await _later(client, f"{BASE}/workshops", token) == []
    _, device = await new_device("dortmund")
    await client.post(f"{BASE}/sessions/{sid}/bookings", json={}, headers=device)
    assert await _later(client, f"{BASE}/workshops", token) == [busy]
    assert (await client.get(f"{BASE}/workshops", params={"since": "nonsense"})).status_code == 422


async def test_rooms_delta_reports_deletions(client: AsyncTestClient[Litestar], new_staff: Staff) -> None:
    staff = await new_staff("dortmund", EDITOR)
    room = await make_room(client, staff)
    token = (await client.get(f"{BASE}/rooms")).json()["sync_token"]
    assert (await client.delete(f"{BASE}/rooms/{room}", headers=staff)).status_code == 204
    delta = (await client.get(f"{BASE}/rooms", params={"since": token})).json()
    assert delta["items"] == [] and delta["deleted"] == [room]
