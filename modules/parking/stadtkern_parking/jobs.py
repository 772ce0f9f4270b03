"""Scheduled jobs: the worker runs each once per city that enables the module."""

from __future__ import annotations

import random

from core.api import JobContext, utcnow
from stadtkern_parking.history import compact_history
from stadtkern_parking.models import ImportRun
from stadtkern_parking.settings import ParkingSettings
from stadtkern_parking.simulate import simulate_tick
from stadtkern_parking.sources import due_parts, pull


async def poll_sources(ctx: JobContext[ParkingSettings]) -> list[ImportRun]:
    """Pulls every source part that is due; each pull is reported, a broken one skips to the next."""
    runs: list[ImportRun] = []
    now = utcnow()
    for source in ctx.settings.sources:
        if source.type == "simulated":
            continue
        async with ctx.session_factory() as session:
            parts = await due_parts(session, source, now)
        for part, url in parts:
            run = await pull(ctx.session_factory, source, part, url, ctx.tenant.time_zone, ctx.push)
            runs.append(run)
            log = ctx.log.info if run.ok else ctx.log.warning
            log(
                "parking source %s/%s: %d accepted, %d repaired, %d rejected%s",
                source.id,
                part,
                run.accepted,
                run.repaired,
                run.rejected,
                f" ({run.error})" if run.error else "",
                extra={"city": ctx.tenant.slug},
            )
    return runs


async def run_poll(ctx: JobContext[ParkingSettings]) -> None:
    """The ``poll`` job."""
    await poll_sources(ctx)


async def run_simulate(ctx: JobContext[ParkingSettings]) -> None:
    """The ``simulate`` job: moving numbers for the demo facilities where the city asks for them."""
    if not ctx.settings.simulate:
        return
    async with ctx.session_factory() as session, session.begin():
        await simulate_tick(session, ctx.tenant.time_zone, utcnow(), random.Random(), ctx.push)


async def run_history(ctx: JobContext[ParkingSettings]) -> None:
    """The nightly ``history`` job: yesterday's samples become day rows; both retentions applied."""
    async with ctx.session_factory() as session, session.begin():
        done = await compact_history(
            session, ctx.tenant.time_zone, utcnow(), ctx.settings.history_raw_days, ctx.settings.history_keep_days
        )
    ctx.log.info("parking history: %s", done, extra={"city": ctx.tenant.slug})
