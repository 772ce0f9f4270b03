"""The one call for the map: every facility of the city with its live state, small, with deltas.

A delta (``?since=``) carries the facilities whose description or state changed since the token,
those whose state turned stale since (so a client stops showing them as live), and the ids of
deleted ones. The body holds no clock-dependent field other than ``stale``, so the core's ETag
answers 304 to a client polling a city whose numbers did not move.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from stadtkern_parking.models import Facility, FacilityState
from stadtkern_parking.schemas import MapItem

COLUMNS = (
    Facility.id,
    Facility.name,
    Facility.kind,
    Facility.park_and_ride,
    Facility.lat,
    Facility.lon,
    Facility.capacity,
    Facility.closed_until,
    FacilityState.free,
    FacilityState.capacity,
    FacilityState.status,
    FacilityState.observed_at,
)


def _item(row: Any, now: dt.datetime, stale_cut: dt.datetime) -> MapItem:
    (fid, name, kind, pr, lat, lon, capacity, closed_until, free, state_capacity, status, observed_at) = row
    closed = closed_until is not None and closed_until > now
    return MapItem(
        id=fid,
        name=name,
        kind=kind,
        park_and_ride=pr,
        lat=lat,
        lon=lon,
        capacity=state_capacity if state_capacity is not None else capacity,
        free=free,
        status="closed" if closed else (status or "unknown"),
        stale=observed_at is None or observed_at < stale_cut,
        observed_at=observed_at,
    )


def next_turn(items: list[MapItem], closures: list[dt.datetime], now: dt.datetime, stale_after: int) -> dt.datetime:
    """The next moment the pins change by the clock alone: a state turning stale, a closure ending."""
    after = dt.timedelta(seconds=stale_after)
    moments = [i.observed_at + after for i in items if i.observed_at is not None and not i.stale]
    moments += [c for c in closures if c > now]
    return min(moments, default=now + dt.timedelta(days=1))


async def map_rows(
    session: AsyncSession, now: dt.datetime, stale_after: int, since: dt.datetime | None
) -> tuple[list[MapItem], list[dt.datetime]]:
    """The pins (all, or changed since ``since``) and the closures' ends among them."""
    stale_cut = now - dt.timedelta(seconds=stale_after)
    statement = select(*COLUMNS).outerjoin(FacilityState, FacilityState.facility_id == Facility.id)
    if since is not None:
        went_stale = and_(
            FacilityState.observed_at < stale_cut,
            FacilityState.observed_at >= since - dt.timedelta(seconds=stale_after),
        )
        closure_ended = and_(Facility.closed_until > since, Facility.closed_until <= now)
        statement = statement.where(
            or_(Facility.updated_at > since, FacilityState.received_at > since, went_stale, closure_ended)
        )
    rows = (await session.execute(statement.order_by(Facility.id))).all()
    return [_item(row, now, stale_cut) for row in rows], [row[7] for row in rows if row[7] is not None]


async def map_items(
    session: AsyncSession, now: dt.datetime, stale_after: int, since: dt.datetime | None
) -> list[MapItem]:
    """Every facility (or those changed since ``since``) as a map pin, by id."""
    items, _ = await map_rows(session, now, stale_after, since)
    return items
