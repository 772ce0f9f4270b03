"""The core's own maintenance job (``core.purge_tombstones``): old tombstones and old job-run
records are deleted, every city at once."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.db import Tombstone, utcnow
from core.models import JobRun
from core.settings import Settings

log = logging.getLogger("stadtkern.worker")

PURGE_JOB_KEY = "core.purge_tombstones"


async def purge_tombstones(factory: async_sessionmaker[AsyncSession], retention_days: int) -> int:
    """Delete tombstones older than the retention period (every city at once); returns the count."""
    cutoff = utcnow() - dt.timedelta(days=retention_days)
    async with factory() as session, session.begin():
        result = await session.execute(delete(Tombstone).where(Tombstone.deleted_at < cutoff))
    return int(cast("CursorResult[Any]", result).rowcount or 0)


async def purge_job_runs(factory: async_sessionmaker[AsyncSession], retention_days: int) -> int:
    """Delete finished job-run records older than the retention (a 2-second job writes 43,200 a day)."""
    cutoff = utcnow() - dt.timedelta(days=retention_days)
    async with factory() as session, session.begin():
        result = await session.execute(
            delete(JobRun).where(JobRun.finished_at.is_not(None), JobRun.started_at < cutoff)
        )
    return int(cast("CursorResult[Any]", result).rowcount or 0)


async def purge(factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """One run of the maintenance job: both purges, logged when they removed anything."""
    removed = await purge_tombstones(factory, settings.tombstone_retention_days)
    runs = await purge_job_runs(factory, settings.job_run_retention_days)
    if removed or runs:
        log.info("purged", extra={"job": PURGE_JOB_KEY, "tombstones": removed, "job_runs": runs})


__all__ = ["PURGE_JOB_KEY", "purge", "purge_job_runs", "purge_tombstones"]
