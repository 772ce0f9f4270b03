"""One physical charge point, several sources: a static record (the register) gives way to a live one.

Two records are the same charge point when they share an EVSE id (separators ignored), else when
they lie within ``SAME_PLACE_M`` of each other with the same operator. The static record then
points at the live one (``merged_into_id``) and is not listed; the live record's status is shown."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import near
from stadtkern_charging.models import Evse, Location

SAME_PLACE_M = 30


def is_live(location: Location) -> bool:
    """Whether any EVSE of the location has its status from a live source."""
    return any(e.live for e in location.evses)


async def _same(session: AsyncSession, location: Location, *, live: bool) -> list[Location]:
    """Records of other sources that are the same charge point, the live or the static ones."""
    keys = {e.evse_key for e in location.evses if e.evse_key}
    found: dict[object, Location] = {}
    if keys:
        by_id = (
            select(Location)
            .join(Evse, Evse.location_id == Location.id)
            .where(Evse.evse_key.in_(keys), Location.source != location.source, Evse.live.is_(live))
        )
        found.update({r.id: r for r in (await session.scalars(by_id)).unique()})
    if not found and location.operator_key:
        stmt = select(Location).where(
            Location.source != location.source,
            Location.operator_key == location.operator_key,
            Location.id != location.id,
        )
        nearby = near(session, stmt, Location, location.lat, location.lon, SAME_PLACE_M)
        for row in (await session.scalars(nearby)).all():
            row_live = await session.scalar(
                select(Evse.id).where(Evse.location_id == row.id, Evse.live.is_(True)).limit(1)
            )
            if (row_live is not None) == live:
                found[row.id] = row
    return list(found.values())


async def merge_location(session: AsyncSession, location: Location) -> None:
    """After a write: a static record joins a live one, or a live one gathers the static ones."""
    if is_live(location):
        statics = await _same(session, location, live=False)
        if statics:
            ids = [s.id for s in statics]
            await session.execute(update(Location).where(Location.id.in_(ids)).values(merged_into_id=location.id))
        location.merged_into_id = None
        return
    # A register import into a city without live sources (or before them) looks nothing up per row.
    if "charging_has_live" not in session.info:
        found = await session.scalar(select(Evse.id).where(Evse.live.is_(True)).limit(1))
        session.info["charging_has_live"] = found is not None
    if not session.info["charging_has_live"]:
        location.merged_into_id = None
        return
    lives = await _same(session, location, live=True)
    location.merged_into_id = lives[0].id if lives else None
