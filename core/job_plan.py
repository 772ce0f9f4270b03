"""What the worker runs and when: module jobs per enabling city, plus the core's maintenance.

Jobs come only from module specs: each :class:`~core.api.contract.ScheduledJob` of a module runs
once per city that enables it, under the key ``"{module}.{job}@{city}"``; the core adds
``core.purge_tombstones`` (:mod:`core.maintenance`). Triggers are APScheduler's, built afresh for
each leadership term.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.context import JobContext
from core.api.contract import ScheduledJob
from core.api.keys import ModuleKeys
from core.api.push import BoundPush, PushPort
from core.api.tenancy import sessions_for_city
from core.errors import StartupError
from core.job_runs import JobFn
from core.loader import Plan, Tenant
from core.maintenance import PURGE_JOB_KEY, purge
from core.settings import Settings

# A cron run that is late by more than this (event loop blocked, leader just elected) is skipped.
CRON_MISFIRE_GRACE = 300


@dataclass(frozen=True, slots=True)
class PlannedJob:
    """One schedulable unit: a module job for one city, or a core maintenance job."""

    key: str
    trigger: Callable[[], Any]  # a fresh APScheduler trigger per leadership term
    run: JobFn
    every_seconds: int | None
    misfire_grace_time: int
    every_worker: bool = False  # runs on every worker, not only on the leader


def _interval_grace(every_seconds: int) -> int:
    # Late by up to half an interval (at most 5 minutes) still runs; later, it waits for the next one.
    return max(1, min(every_seconds // 2, 300))


def _module_runner(
    mid: str,
    job: ScheduledJob,
    tenant: Tenant,
    factory: async_sessionmaker[AsyncSession],
    port: PushPort,
    keys: ModuleKeys,
) -> JobFn:
    job_log = logging.getLogger(f"stadtkern.jobs.{mid}")
    city_factory = sessions_for_city(factory, tenant.slug)

    async def run() -> None:
        ctx: JobContext[Any] = JobContext(
            module_id=mid,
            job_id=job.id,
            tenant=tenant.info,
            settings=tenant.modules[mid].settings,
            session_factory=city_factory,
            push=BoundPush(port, None, tenant.info),
            log=job_log,
            keys=keys,
        )
        await job.run(ctx)

    return run


def _module_trigger(mid: str, job: ScheduledJob, tenant: Tenant) -> tuple[Callable[[], Any], int]:
    if job.every_seconds is not None:
        seconds, jitter = job.every_seconds, job.jitter or None
        if seconds <= 0:
            raise StartupError(f"module {mid!r}, job {job.id!r}: every_seconds must be positive")

        def interval() -> Any:
            return IntervalTrigger(seconds=seconds, jitter=jitter, timezone=dt.UTC)

        return interval, _interval_grace(seconds)

    expr, tz, jitter = cast(str, job.cron), tenant.info.time_zone, job.jitter or None

    def cron() -> Any:
        trigger = CronTrigger.from_crontab(expr, timezone=tz)
        trigger.jitter = jitter
        return trigger

    try:
        cron()
    except ValueError as exc:
        raise StartupError(f"module {mid!r}, job {job.id!r}: cron {expr!r} is not valid ({exc})") from None
    return cron, CRON_MISFIRE_GRACE


def plan_jobs(
    settings: Settings, plan: Plan, factory: async_sessionmaker[AsyncSession], port: PushPort
) -> list[PlannedJob]:
    """Every job this deployment runs: the core's maintenance plus module jobs per enabling city."""
    every = settings.maintenance_interval_seconds
    if every <= 0:
        raise StartupError("STADTKERN_MAINTENANCE_INTERVAL_SECONDS must be positive")

    async def maintenance() -> None:
        await purge(factory, settings)

    jobs = [
        PlannedJob(
            key=PURGE_JOB_KEY,
            trigger=lambda: IntervalTrigger(seconds=every, timezone=dt.UTC),
            run=maintenance,
            every_seconds=every,
            misfire_grace_time=_interval_grace(every),
        )
    ]
    for mid, spec in plan.specs.items():
        for job in spec.jobs:
            for slug, tenant in plan.tenants.items():
                if mid not in tenant.modules:
                    continue
                trigger, grace = _module_trigger(mid, job, tenant)
                jobs.append(
                    PlannedJob(
                        key=f"{mid}.{job.id}@{slug}",
                        trigger=trigger,
                        run=_module_runner(mid, job, tenant, factory, port, ModuleKeys(mid, settings.secret_key)),
                        every_seconds=job.every_seconds,
                        misfire_grace_time=grace,
                        every_worker=job.every_worker,
                    )
                )
    return jobs


__all__ = ["CRON_MISFIRE_GRACE", "PlannedJob", "plan_jobs"]
