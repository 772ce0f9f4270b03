"""The resident queries: which locations match the driver's filters, nearest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from core.api import near, paginate_by_distance
from stadtkern_charging import payment
from stadtkern_charging.models import Connector, Evse, Location
from stadtkern_charging.ocpi.hours import is_open
from stadtkern_charging.services.store import tree

# "Open now" is decided in Python (opening hours are local time with exceptions), and so is
# "expired" (every EVSE removed): a page that loses rows to them is topped up from the following
# ones, this many times at most.
MAX_TOP_UPS = 10


# What a list never shows: not read (the raw record is the largest column by far).
LIST_DEFERRED = [
    defer(getattr(Location, name), raiseload=True)
    for name in ("raw", "warnings", "publish_allowed_to", "related_locations", "images", "energy_mix", "directions")
]


@dataclass(frozen=True, slots=True)
class Filters:
    """What a driver asked for; every connector condition holds for one and the same connector."""

    plugs: tuple[str, ...] = ()
    min_power_w: int | None = None
    max_power_w: int | None = None
    available_now: bool = False
    operators: tuple[str, ...] = ()
    exclude_operators: tuple[str, ...] = ()
    free_of_charge: bool = False
    open_now: bool = False
    payment: tuple[str, ...] = field(default=())

    @property
    def on_connector(self) -> bool:
        """Whether a connector has to match at all."""
        return bool(self.plugs or self.min_power_w is not None or self.max_power_w is not None or self.available_now)


def connector_match(filters: Filters, fresh_since: dt.datetime) -> Any:
    """EXISTS a connector of the location whose standard, power and EVSE status all fit."""
    conditions = [Connector.location_id == Location.id, Evse.status != "REMOVED"]
    if filters.plugs:
        conditions.append(Connector.standard.in_(filters.plugs))
    if filters.min_power_w is not None:
        conditions.append(Connector.power_w >= filters.min_power_w)
    if filters.max_power_w is not None:
        conditions.append(Connector.power_w <= filters.max_power_w)
    if filters.available_now:
        conditions += [Evse.status == "AVAILABLE", Evse.live.is_(True), Evse.status_reported_at >= fresh_since]
    return exists(select(Connector.id).join(Evse, Evse.id == Connector.evse_id).where(and_(*conditions)))


def statement(filters: Filters, fresh_since: dt.datetime) -> Select[Any]:
    """The published locations matching the filters (before distance and paging)."""
    # A static record merged into a live one is that one's (services/merge.py): listed once.
    stmt = select(Location).where(Location.publish.is_(True), Location.merged_into_id.is_(None))
    if filters.on_connector:
        stmt = stmt.where(connector_match(filters, fresh_since))
    # Without connector filters a location whose EVSEs are all removed (expired, OCPI 2.2.1 § 8.1) is
    # left out after loading (see :func:`listed`): rare, and no per-row subquery on the map.
    if filters.operators:
        stmt = stmt.where(Location.operator_key.in_([o.casefold() for o in filters.operators]))
    if filters.exclude_operators:
        excluded = [o.casefold() for o in filters.exclude_operators]
        stmt = stmt.where(func.coalesce(Location.operator_key, "").not_in(excluded))
    if filters.free_of_charge:
        stmt = stmt.where(Location.free_of_charge.is_(True))
    if filters.payment:
        stmt = stmt.where(Location.payment_mask.op("&")(payment.mask(filters.payment)) != 0)
    return stmt


def listed(row: Location, filters: Filters, now: dt.datetime) -> bool:
    """Post-filters on the loaded rows: some EVSE not removed, and open now when asked."""
    if not any(e.status != "REMOVED" for e in row.evses):
        return False
    return not filters.open_now or row.always_open or is_open(row.opening_times, row.time_zone, now)


async def nearest(
    session: AsyncSession,
    filters: Filters,
    lat: float,
    lon: float,
    radius_m: float,
    *,
    now: dt.datetime,
    fresh_since: dt.datetime,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[Location, float]], str | None]:
    """Matching locations within the radius, nearest first, keyset-paged; EVSEs and connectors loaded."""
    stmt = near(session, statement(filters, fresh_since), Location, lat, lon, radius_m).options(*tree(), *LIST_DEFERRED)
    found: list[tuple[Location, float]] = []
    for _ in range(MAX_TOP_UPS):
        rows, cursor = await paginate_by_distance(
            session, stmt, Location, lat, lon, [Location.id], cursor=cursor, limit=limit - len(found)
        )
        found += [(r, d) for r, d in rows if listed(r, filters, now)]
        if cursor is None or len(found) >= limit:
            break
    return found, cursor


async def one_location(session: AsyncSession, location_id: Any) -> Location | None:
    """A published location with its EVSEs and connectors."""
    stmt = select(Location).where(Location.id == location_id, Location.publish.is_(True)).options(*tree())
    return (await session.scalars(stmt)).one_or_none()
