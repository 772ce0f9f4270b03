"""Helpers shared by the parking tests (imported by name: this folder is on sys.path under pytest)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_parking.models import Facility, FacilityState, ImportRun
from stadtkern_parking.settings import ParkingSettings

from core.api import JobContext
from core.api.keys import ModuleKeys
from core.api.push import BoundPush
from core.api.tenancy import sessions_for_city
from core.testing import TEST_SECRET_KEY, FileServer, file_server, tenant_info
from push.services import PushService

DATA = Path(__file__).parent / "data"
DORTMUND = tenant_info("dortmund")


def sample(name: str) -> bytes:
    """A real sample file (see data/PROVENANCE.md)."""
    return (DATA / name).read_bytes()


FeedServer = FileServer  # what the parking tests call the portal's web server


@contextmanager
def feed_server() -> Iterator[FileServer]:
    """A running local web server for the feeds (DATEX II by default)."""
    with file_server(default_type="application/xml") as feeds:
        yield feeds


def job_context(
    sessions: async_sessionmaker[AsyncSession], settings: ParkingSettings, city: str = "dortmund"
) -> JobContext[ParkingSettings]:
    """The context the worker hands the module's jobs for ``city``."""
    tenant = tenant_info(city)
    return JobContext(
        module_id="parking",
        job_id="poll",
        tenant=tenant,
        settings=settings,
        session_factory=sessions_for_city(sessions, city),
        push=BoundPush(PushService(), None, tenant),
        log=logging.getLogger("test.parking"),
        keys=ModuleKeys("parking", TEST_SECRET_KEY),
    )


async def facilities(sessions: async_sessionmaker[AsyncSession], source: str) -> dict[str, Facility]:
    """The source's facilities by source id."""
    async with sessions() as session:
        rows = (await session.scalars(select(Facility).where(Facility.source == source))).all()
        return {f.source_id: f for f in rows}


async def states(sessions: async_sessionmaker[AsyncSession], source: str) -> dict[str, FacilityState]:
    """The source's live states by source id."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Facility.source_id, FacilityState)
                .join(FacilityState, FacilityState.facility_id == Facility.id)
                .where(Facility.source == source)
            )
        ).all()
        return {sid: state for sid, state in rows}


async def runs(sessions: async_sessionmaker[AsyncSession], source: str) -> list[ImportRun]:
    """The source's import reports, oldest first."""
    async with sessions() as session:
        stmt = select(ImportRun).where(ImportRun.source == source).order_by(ImportRun.started_at, ImportRun.part)
        return list((await session.scalars(stmt)).all())


def counts(run: Any) -> tuple[int, int, int]:
    """(accepted, repaired, rejected) of an import report."""
    return (run.accepted, run.repaired, run.rejected)
