"""Run a module's scheduled jobs for one city, the way the worker does (``core.scheduler``)."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.push import UnavailablePush
from core.loader import Plan


async def run_jobs(
    app: Litestar, sessions: async_sessionmaker[AsyncSession], module_id: str, city: str, job_id: str | None = None
) -> int:
    """Run the module's jobs (or only ``job_id``) once for ``city`` on ``sessions``; returns how many ran."""
    from core.job_plan import plan_jobs

    plan: Plan = app.state.plan
    port = plan.ports.get("push") or UnavailablePush()
    prefix = f"{module_id}.{job_id}@" if job_id else f"{module_id}."
    chosen = [
        job
        for job in plan_jobs(app.state.settings, plan, sessions, port)
        if job.key.startswith(prefix) and job.key.endswith(f"@{city}")
    ]
    for job in chosen:
        await job.run()
    return len(chosen)
