"""Demo data (filled in below once the register import exists)."""

from __future__ import annotations

from core.api import SeedContext
from stadtkern_charging.settings import ChargingSettings


async def seed(ctx: SeedContext[ChargingSettings]) -> None:
    """Nothing yet."""
