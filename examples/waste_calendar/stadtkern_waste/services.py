"""Queries shared by routes and jobs. The session is bound to one city: no ``tenant_id`` filter here."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Invalid, deleted_since, paginate, record_deletion
from stadtkern_waste.models import RESOURCE, Pickup
from stadtkern_waste.settings import WasteSettings

# A window longer than this is almost always a client bug; a year is what a printed calendar shows.
MAX_WINDOW = dt.timedelta(days=400)


@dataclass(frozen=True)
class PickupFilter:
    """What a resident's list narrows to; ``changed_since`` turns the list into a delta."""

    district: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    changed_since: dt.datetime | None = None


def check_district(settings: WasteSettings, district: str, field: str) -> str:
    """The district, if the city has it; else a 422 naming ``field`` and the city's districts."""
    if district not in settings.districts:
        raise Invalid(field, f"unknown district; one of {', '.join(settings.districts)}")
    return district


def check_window(start: dt.date | None, end: dt.date | None) -> None:
    """A date window runs forwards and spans at most ``MAX_WINDOW``."""
    if start is None or end is None:
        return
    if end < start:
        raise Invalid("query.to", "must not be before 'from'")
    if end - start > MAX_WINDOW:
        raise Invalid("query.to", f"the window may span at most {MAX_WINDOW.days} days")


async def pickups_page(
    session: AsyncSession, wanted: PickupFilter, cursor: str | None, limit: int
) -> tuple[list[Pickup], str | None, list[str]]:
    """One page of pickups in date order, its next cursor, and the ids deleted since (first page only)."""
    statement = select(Pickup)
    if wanted.district is not None:
        statement = statement.where(Pickup.district == wanted.district)
    if wanted.start is not None:
        statement = statement.where(Pickup.pickup_date >= wanted.start)
    if wanted.end is not None:
        statement = statement.where(Pickup.pickup_date <= wanted.end)
    deleted: list[str] = []
    if wanted.changed_since is not None:
        statement = statement.where(Pickup.updated_at > wanted.changed_since)
        if not cursor:  # tombstones travel with the first page of a delta
            deleted = await deleted_since(session, RESOURCE, wanted.changed_since)
    rows, next_cursor = await paginate(session, statement, [Pickup.pickup_date, Pickup.id], cursor=cursor, limit=limit)
    return rows, next_cursor, deleted


async def remove_pickups(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    """Delete the pickups and leave a tombstone each, so that apps' next delta drops them too."""
    if not ids:
        return
    await session.execute(delete(Pickup).where(Pickup.id.in_(ids)))
    for pickup_id in ids:
        await record_deletion(session, RESOURCE, pickup_id)


async def forget_before(session: AsyncSession, cutoff: dt.date) -> int:
    """Remove the city's pickups dated before ``cutoff``; returns how many."""
    ids = list((await session.scalars(select(Pickup.id).where(Pickup.pickup_date < cutoff))).all())
    await remove_pickups(session, ids)
    return len(ids)
