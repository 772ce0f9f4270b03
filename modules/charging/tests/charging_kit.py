"""Helpers shared by the charging tests (imported by name: this folder is on sys.path under pytest)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.models import Evse, Location
from stadtkern_charging.services.store import tree
from stadtkern_charging.settings import ChargingSettings

from core.api import JobContext
from core.api.keys import ModuleKeys
from core.api.push import BoundPush
from core.api.tenancy import sessions_for_city
from core.testing import TEST_SECRET_KEY, tenant_info
from push.services import PushService


def job_context(
    sessions: async_sessionmaker[AsyncSession],
    settings: ChargingSettings | None = None,
    city: str = "dortmund",
    job_id: str = "test",
) -> JobContext[ChargingSettings]:
    """The context the worker would hand a job of this module for ``city``."""
    tenant = tenant_info(city)
    return JobContext(
        module_id="charging",
        job_id=job_id,
        tenant=tenant,
        settings=settings or ChargingSettings(),
        session_factory=sessions_for_city(sessions, city),
        push=BoundPush(PushService(), None, tenant),
        log=logging.getLogger("test.charging"),
        keys=ModuleKeys("charging", TEST_SECRET_KEY),
    )


async def locations(sessions: async_sessionmaker[AsyncSession], city: str = "dortmund") -> dict[str, Location]:
    """The city's Locations by source id, with EVSEs and connectors loaded."""
    async with sessions_for_city(sessions, city)() as session:
        rows = (await session.scalars(select(Location).options(*tree()))).all()
        return {r.source_id: r for r in rows}


async def evse_by_uid(sessions: async_sessionmaker[AsyncSession], uid: str, city: str = "dortmund") -> Evse:
    """One EVSE of the city by its OCPI uid."""
    async with sessions_for_city(sessions, city)() as session:
        return (await session.scalars(select(Evse).where(Evse.uid == uid))).one()
