"""Reads shared by the resident and staff routes. The session is bound to one city: no city filter.

"Live" means: a state observed less than ``stale_after_seconds`` ago, and no staff closure in force.
A stale state is still shown, marked stale, and never counts as open or as having free spaces.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import near, paginate, paginate_by_distance
from stadtkern_parking.models import Facility, FacilityState, Sample
from stadtkern_parking.schemas import HistoryPoint, StateOut
from stadtkern_parking.settings import FacilityStatus

QUARTER = 900


@dataclass(frozen=True, slots=True)
class Filters:
    """The resident list's filters (None: not filtered)."""

    kind: str | None = None
    open_now: bool | None = None
    has_free: bool | None = None
    disabled: bool | None = None
    vehicle_height_cm: int | None = None
    park_and_ride: bool | None = None


def is_stale(observed_at: dt.datetime, now: dt.datetime, stale_after: int) -> bool:
    """Older than the city's limit: shown, but not as live."""
    return (now - observed_at).total_seconds() > stale_after


def closed_by_staff(facility: Facility, now: dt.datetime) -> bool:
    """A "closed today" (or longer) set by staff, still in force."""
    return facility.closed_until is not None and facility.closed_until > now


def state_out(facility: Facility, state: FacilityState | None, now: dt.datetime, stale_after: int) -> StateOut | None:
    """The resident view of a state; a staff closure wins over whatever the feed says."""
    if state is None:
        return None
    status: FacilityStatus = "closed" if closed_by_staff(facility, now) else state.status
    age = max(0, int((now - state.observed_at).total_seconds()))
    return StateOut(
        free=state.free,
        occupied=state.occupied,
        capacity=state.capacity,
        status=status,
        observed_at=state.observed_at,
        age_seconds=age,
        stale=age > stale_after,
        repaired=bool(state.flags),
    )


def _filtered(statement: Select[Any], filters: Filters, now: dt.datetime, stale_after: int) -> Select[Any]:
    live = FacilityState.observed_at >= now - dt.timedelta(seconds=stale_after)
    not_closed = or_(Facility.closed_until.is_(None), Facility.closed_until <= now)
    if filters.kind is not None:
        statement = statement.where(Facility.kind == filters.kind)
    if filters.park_and_ride is not None:
        statement = statement.where(Facility.park_and_ride.is_(filters.park_and_ride))
    if filters.disabled:
        statement = statement.where(Facility.capacity_disabled > 0)
    if filters.vehicle_height_cm is not None:
        statement = statement.where(
            or_(Facility.max_height_cm.is_(None), Facility.max_height_cm >= filters.vehicle_height_cm)
        )
    if filters.has_free:
        statement = statement.where(live, not_closed, FacilityState.free > 0, FacilityState.status != "closed")
    if filters.open_now:
        live_open = and_(live, FacilityState.status == "open")
        no_live_word = or_(FacilityState.facility_id.is_(None), ~live, FacilityState.status == "unknown")
        always = and_(no_live_word, Facility.opening_hours == "24/7")
        statement = statement.where(not_closed, or_(live_open, always))
    return statement


async def states_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FacilityState]:
    """The live states of these facilities, by facility id."""
    if not ids:
        return {}
    rows = await session.scalars(select(FacilityState).where(FacilityState.facility_id.in_(list(ids))))
    return {s.facility_id: s for s in rows.all()}


async def find_facilities(
    session: AsyncSession,
    filters: Filters,
    point: tuple[float, float, float] | None,
    cursor: str | None,
    limit: int,
    now: dt.datetime,
    stale_after: int,
) -> tuple[list[tuple[Facility, float | None]], str | None]:
    """One page: nearest first within ``point`` (lat, lon, radius in m), else by name."""
    statement = select(Facility).outerjoin(FacilityState, FacilityState.facility_id == Facility.id)
    statement = _filtered(statement, filters, now, stale_after)
    if point is not None:
        lat, lon, radius = point
        statement = near(session, statement, Facility, lat, lon, radius)
        pairs, next_cursor = await paginate_by_distance(
            session, statement, Facility, lat, lon, [Facility.id], cursor=cursor, limit=limit
        )
        return [(f, d) for f, d in pairs], next_cursor
    rows, next_cursor = await paginate(session, statement, [Facility.name, Facility.id], cursor=cursor, limit=limit)
    return [(f, None) for f in rows], next_cursor


async def last_day(session: AsyncSession, facility_id: uuid.UUID, now: dt.datetime) -> list[HistoryPoint]:
    """The last 24 hours as quarter-hour means (at most 97 points, however often the feed sends)."""
    since = now - dt.timedelta(hours=24)
    rows = await session.execute(
        select(Sample.observed_at, Sample.free)
        .where(Sample.facility_id == facility_id, Sample.observed_at >= since)
        .order_by(Sample.observed_at)
    )
    buckets: dict[int, list[int]] = {}
    for observed_at, free in rows.all():
        key = int(observed_at.timestamp()) // QUARTER
        buckets.setdefault(key, []).append(free)
    return [
        HistoryPoint(at=dt.datetime.fromtimestamp(key * QUARTER, dt.UTC), free=round(sum(v) / len(v)))
        for key, v in sorted(buckets.items())
    ]
