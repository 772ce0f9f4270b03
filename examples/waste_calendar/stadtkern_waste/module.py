"""The entry point ``stadtkern.modules: waste``: everything the module contributes, frozen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.api import ModuleSpec, SeedContext
from schemas import LocalizedText
from stadtkern_waste.controllers import route_handlers
from stadtkern_waste.models import FRACTIONS, Pickup
from stadtkern_waste.settings import WasteSettings


async def seed(ctx: SeedContext[WasteSettings]) -> None:
    """Demo data: the next four weeks, one fraction per week in each district."""
    today = dt.date.today()
    for number, district in enumerate(ctx.settings.districts):
        for week in range(4):
            ctx.session.add(
                Pickup(
                    district=district,
                    fraction=FRACTIONS[(week + number) % len(FRACTIONS)],
                    pickup_date=today + dt.timedelta(days=7 * week + number),
                )
            )
    await ctx.session.flush()


spec = ModuleSpec(
    id="waste",
    title=LocalizedText(de="Abfallkalender", en="Waste calendar"),
    route_handlers=route_handlers,
    settings=WasteSettings,
    models=(Pickup,),
    migrations=Path(__file__).parent / "migrations",
    seed=seed,
)
