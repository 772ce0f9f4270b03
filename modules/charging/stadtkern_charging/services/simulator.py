"""The embedded default's simulated status feed: the demo chargers come and go like busy ones do."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stadtkern_charging.models import Evse, Location
from stadtkern_charging.ocpi.enums import Status
from stadtkern_charging.services.status import set_status

DEMO_SOURCE = "demo"
# Per minute: a free point is taken, a taken one freed, a point breaks, a broken one is repaired.
_NEXT: dict[Status, tuple[tuple[Status, float], ...]] = {
    "AVAILABLE": (("CHARGING", 0.12), ("OUTOFORDER", 0.005)),
    "CHARGING": (("AVAILABLE", 0.15),),
    "OUTOFORDER": (("AVAILABLE", 0.1),),
}


def initial_status(index: int) -> Status:
    """A plausible spread for the first minute: mostly free, a third taken, one in twenty broken."""
    if index % 20 == 7:
        return "OUTOFORDER"
    return "CHARGING" if index % 3 == 1 else "AVAILABLE"


def _step(status: Status, rng: random.Random) -> Status:
    roll = rng.random()
    for target, chance in _NEXT.get(status, ()):
        if roll < chance:
            return target
        roll -= chance
    return status


async def simulate(session: AsyncSession, rng: random.Random) -> int:
    """One minute of the demo feed: every demo EVSE reports, some change. Returns how many changed."""
    stmt = (
        select(Evse)
        .join(Location, Location.id == Evse.location_id)
        .where(Location.source == DEMO_SOURCE, Evse.status != "REMOVED")
    )
    changed = 0
    for evse in (await session.scalars(stmt.order_by(Evse.uid))).all():
        changed += set_status(session, evse, _step(evse.status, rng), source=DEMO_SOURCE)
    return changed
