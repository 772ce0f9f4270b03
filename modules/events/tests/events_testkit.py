"""Helpers shared by the events tests (imported by name: this folder is on sys.path under pytest)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.settings import EventsSettings

from core.api import JobContext
from core.api.keys import ModuleKeys
from core.api.push import BoundPush
from core.api.tenancy import sessions_for_city
from core.testing import TEST_SECRET_KEY, tenant_info
from push.models import PushOutbox
from push.services import PushService

BERLIN = ZoneInfo("Europe/Berlin")
DORTMUND = tenant_info("dortmund")


def job_context(
    sessions: async_sessionmaker[AsyncSession], settings: EventsSettings | None = None, job_id: str = "test"
) -> JobContext[EventsSettings]:
    return JobContext(
        module_id="events",
        job_id=job_id,
        tenant=DORTMUND,
        settings=settings or EventsSettings(),
        session_factory=sessions_for_city(sessions, "dortmund"),
        push=BoundPush(PushService(), None, DORTMUND),
        log=logging.getLogger("test.events"),
        keys=ModuleKeys("events", TEST_SECRET_KEY),
    )


async def outbox(sessions: async_sessionmaker[AsyncSession], topic: str | None = None) -> list[PushOutbox]:
    async with sessions() as session:
        stmt = select(PushOutbox).order_by(PushOutbox.created_at)
        if topic:
            stmt = stmt.where(PushOutbox.topic == topic)
        return list((await session.scalars(stmt)).all())


def local(days: int, hour: int, minute: int = 0) -> str:
    """A naive wall-clock time in the city, ``days`` from today."""
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute)).isoformat()


def event_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": {"de": "Konzert im Park", "en": "Concert in the park"},
        "description": {"de": "Musik unter freiem Himmel", "en": "Open-air music"},
        "start": local(3, 19),
        "end": local(3, 21),
        "place": {"name": "Westfalenpark", "lat": 51.4926, "lon": 7.4771, "district": "Innenstadt-Ost"},
        "categories": ["concert"],
        "is_free": True,
        "accessibility": ["wheelchair_accessible"],
        "published": True,
    }
    body.update(overrides)
    return body
