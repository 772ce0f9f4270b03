"""Scheduled jobs: poll the city's sources (each at its own pace) and, in the demo, move statuses."""

from __future__ import annotations

import datetime as dt
import random

from core.api import JobContext, utcnow
from stadtkern_charging.imports.afir_job import import_afir
from stadtkern_charging.imports.bnetza_job import import_register
from stadtkern_charging.imports.ocpi_pull import last_good_run, pull_source
from stadtkern_charging.models import ImportRun
from stadtkern_charging.services.outages import alert_outages
from stadtkern_charging.services.simulator import simulate
from stadtkern_charging.services.watches import evaluate, open_watches
from stadtkern_charging.settings import ChargingSettings, Source


async def _due(ctx: JobContext[ChargingSettings], source: Source, now: dt.datetime) -> bool:
    async with ctx.session_factory() as session:
        last = await last_good_run(session, source.id)
    return last is None or (now - last.started_at).total_seconds() >= source.every_seconds - 5


async def run_source(ctx: JobContext[ChargingSettings], source: Source) -> ImportRun:
    """One run of one source, whatever its type."""
    if source.type == "bnetza":
        run: ImportRun = await import_register(ctx.session_factory, source, ctx.settings)
        return run
    if source.type in ("afir_static", "afir_status"):
        afir: ImportRun = await import_afir(ctx.session_factory, source, ctx.settings)
        return afir
    return await pull_source(ctx.session_factory, source, ctx.settings)


async def simulate_status(ctx: JobContext[ChargingSettings]) -> None:
    """Demo only (``simulate_status = true``): a minute of the simulated status feed."""
    if not ctx.settings.simulate_status:
        return
    async with ctx.session_factory() as session, session.begin():
        changed = await simulate(session, random.Random())  # a demo feed, not a secret
    ctx.log.info("charging demo feed: %d status changes", changed)


async def watch_free(ctx: JobContext[ChargingSettings]) -> None:
    """Evaluate every open "tell me when it is free" and the city-owned chargers' outages."""
    now = utcnow()
    async with ctx.session_factory() as session, session.begin():
        pushed = 0
        for watch in await open_watches(session, now):
            pushed += await evaluate(session, ctx.push, watch, now, ctx.settings)
        alerts = await alert_outages(session, ctx.push, now, ctx.settings)
    if pushed or alerts:
        ctx.log.info("charging: %d free-charger pushes, %d outage alerts", pushed, alerts)


async def poll_sources(ctx: JobContext[ChargingSettings]) -> None:
    """The scheduled job: every due source (see :func:`run_due_sources`)."""
    await run_due_sources(ctx)


async def run_due_sources(ctx: JobContext[ChargingSettings]) -> dict[str, ImportRun]:
    """Every source whose interval has passed; a failing source is logged and reported, the others go on."""
    now, runs = utcnow(), {}
    for source in ctx.settings.sources:
        if not await _due(ctx, source, now):
            continue
        run = await run_source(ctx, source)
        runs[source.id] = run
        if run.error:
            ctx.log.warning("charging source %s failed: %s", source.id, run.error)
        else:
            ctx.log.info(
                "charging source %s: %d accepted, %d repaired, %d rejected, %d outside the area",
                source.id,
                run.accepted,
                run.repaired,
                run.rejected,
                run.outside,
            )
    return runs
