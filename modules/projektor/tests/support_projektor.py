"""Shared bits for the projektor tests: rooms and workshops made through the staff API or rows."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.push import BoundPush
from core.testing import tenant_info

BASE = "/v1/dortmund/projektor"
EDITOR = {"projektor": "editor"}
BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY = {str(d): [["08:00", "20:00"]] for d in range(1, 8)}


def next_day_at(hour: int, days: int = 2) -> dt.datetime:
    """``hour`` o'clock in Dortmund, ``days`` days from now."""
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def room_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": {"de": "Werkstattraum", "en": "Workshop room"},
        "capacity": 20,
        "opening_hours": EVERY_DAY,
        "slot_minutes": 60,
        "buffer_minutes": 30,
        "min_notice_minutes": 60,
        "max_days_ahead": 30,
        "cancel_hours": 24,
    }
    body.update(overrides)
    return body


def workshop_body(seats: int = 40, sessions: int = 1, **overrides: Any) -> dict[str, Any]:
    start = next_day_at(17, days=3)
    body: dict[str, Any] = {
        "title": {"de": "3D-Druck", "en": "3D printing"},
        "sessions": [
            {
                "starts_at": (start + dt.timedelta(weeks=n)).isoformat(),
                "ends_at": (start + dt.timedelta(weeks=n, hours=2)).isoformat(),
                "seats": seats,
            }
            for n in range(sessions)
        ],
    }
    body.update(overrides)
    return body


async def make_room(client: AsyncTestClient[Litestar], staff: dict[str, str], **overrides: Any) -> str:
    response = await client.post(f"{BASE}/rooms", json=room_body(**overrides), headers=staff)
    assert response.status_code == 201, response.text
    room_id: str = response.json()["id"]
    return room_id


async def make_workshop(
    client: AsyncTestClient[Litestar], staff: dict[str, str], seats: int = 40, **overrides: Any
) -> tuple[str, str]:
    """A workshop with one session; returns workshop id and session id."""
    response = await client.post(f"{BASE}/workshops", json=workshop_body(seats, **overrides), headers=staff)
    assert response.status_code == 201, response.text
    payload = response.json()
    return payload["id"], payload["sessions"][0]["id"]


def push_for(app: Litestar) -> BoundPush:
    """The push facade a job gets, for Dortmund (pass the session to notify)."""
    return BoundPush(app.state.plan.ports["push"], None, tenant_info("dortmund"))


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    """The pushes written so far: (data, audience) of each outbox row, oldest first."""
    from push.models import PushOutbox

    async with sessions() as session:
        rows = await session.scalars(select(PushOutbox).order_by(PushOutbox.created_at, PushOutbox.id))
        return [{"data": r.data, "audience": r.audience, "title": r.title, "body": r.body} for r in rows]
