"""Scheduled jobs: the worker runs each once per city that enables the module."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.api import JobContext
from stadtkern_waste.services import forget_before


async def forget_past_pickups(ctx: JobContext[Any]) -> None:
    """Remove pickups more than ``keep_past_days`` in the past: no app shows them, and deltas stay short."""
    today = dt.datetime.now(ctx.tenant.time_zone).date()
    cutoff = today - dt.timedelta(days=ctx.settings.keep_past_days)
    async with ctx.session_factory() as session, session.begin():
        removed = await forget_before(session, cutoff)
    if removed:
        ctx.log.info("forgot past pickups", extra={"city": ctx.tenant.slug, "pickups": removed})
