"""Demo data for the embedded default (``stadtkern run``), per city."""

from __future__ import annotations

import datetime as dt

from core.api import SeedContext
from stadtkern_waste.models import FRACTIONS, Pickup
from stadtkern_waste.settings import WasteSettings


async def seed(ctx: SeedContext[WasteSettings]) -> None:
    """The next four weeks, one fraction per week in each district."""
    today = dt.date.today()
    for number, district in enumerate(ctx.settings.districts):
        for week in range(4):
            fraction = FRACTIONS[(week + number) % len(FRACTIONS)]
            day = today + dt.timedelta(days=7 * week + number)
            ctx.session.add(Pickup(district=district, fraction=fraction, pickup_date=day))
    await ctx.session.flush()
