"""Resident routes: chargers near a point with live status, and one location down to its connectors."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import get
from litestar.params import FromPath, FromQuery, Parameter

from core.api import DEFAULT_LIMIT, Invalid, NotFound, RequestContext, check_limit, distance_m, utcnow
from schemas import Page
from stadtkern_charging.ocpi.enums import ConnectorType
from stadtkern_charging.payment import PaymentMethod
from stadtkern_charging.schemas.resident import LocationDetail, LocationSummary
from stadtkern_charging.services.nearby import nearest_records
from stadtkern_charging.services.query import Filters, one_location
from stadtkern_charging.services.snapshot import SNAPSHOTS
from stadtkern_charging.services.views import location_detail, location_summary
from stadtkern_charging.settings import ChargingSettings

Ctx = RequestContext[ChargingSettings]
OperatorNames = Annotated[list[Annotated[str, Parameter(max_length=100)]] | None, Parameter(max_items=20)]
MAX_RADIUS_M = 50_000


def _fresh_since(ctx: Ctx, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=ctx.settings.stale_after_seconds)


def check_point(lat: float, lon: float) -> None:
    """A 422 naming the coordinate (core.api.near raises a bare ValueError, which would be a 500)."""
    if not -90 <= lat <= 90:
        raise Invalid("query.lat", "must lie between -90 and 90")
    if not -180 <= lon <= 180:
        raise Invalid("query.lon", "must lie between -180 and 180")


def _power(name: str, kw: float | None) -> int | None:
    if kw is None:
        return None
    if not 0 <= kw <= 2000:
        raise Invalid(f"query.{name}", "must lie between 0 and 2000 kW")
    return round(kw * 1000)


@get(
    "/locations",
    summary="Public charging locations near a point, nearest first, with live status per plug and power class",
    description=(
        "Plug, `min_power_kw`, `max_power_kw` and `available` hold for one and the same connector. "
        "`available` counts only a live status younger than the city's stale limit; "
        "`state` tells out of order apart from occupied."
    ),
)
async def list_locations(
    ctx: Ctx,
    lat: FromQuery[float],
    lon: FromQuery[float],
    radius_m: FromQuery[float] = 2000,
    plug: Annotated[list[ConnectorType] | None, Parameter(max_items=10)] = None,
    min_power_kw: FromQuery[float | None] = None,
    max_power_kw: FromQuery[float | None] = None,
    available: FromQuery[bool] = False,
    operator: OperatorNames = None,
    exclude_operator: OperatorNames = None,
    free: FromQuery[bool] = False,
    open_now: FromQuery[bool] = False,
    payment: Annotated[list[PaymentMethod] | None, Parameter(max_items=7)] = None,
    cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Page[LocationSummary]:
    """Cursor-paged; a point or radius out of range is a 422 naming it."""
    check_limit(limit)
    check_point(lat, lon)
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise Invalid("query.radius_m", f"must lie in (0, {MAX_RADIUS_M}] metres")
    filters = Filters(
        plugs=tuple(plug or ()),
        min_power_w=_power("min_power_kw", min_power_kw),
        max_power_w=_power("max_power_kw", max_power_kw),
        available_now=available,
        operators=tuple(operator or ()),
        exclude_operators=tuple(exclude_operator or ()),
        free_of_charge=free,
        open_now=open_now,
        payment=tuple(payment or ()),
    )
    if (
        filters.min_power_w is not None
        and filters.max_power_w is not None
        and filters.min_power_w > filters.max_power_w
    ):
        raise Invalid("query.max_power_kw", "is below min_power_kw")
    now = utcnow()
    fresh = _fresh_since(ctx, now)
    # From the process's records of the city, checked current first (services/snapshot.py).
    snapshot = await SNAPSHOTS.current(ctx.engine, ctx.tenant.slug, ctx.session)
    rows, next_cursor = nearest_records(
        snapshot.grid, filters, lat, lon, radius_m, now=now, fresh_since=fresh, cursor=cursor, limit=limit
    )
    return Page(items=[location_summary(r, d, now, fresh) for r, d in rows], next_cursor=next_cursor)


@get("/locations/{location_id:uuid}", summary="One charging location down to its EVSEs and connectors")
async def get_location(
    ctx: Ctx,
    location_id: FromPath[uuid.UUID],
    lat: FromQuery[float | None] = None,
    lon: FromQuery[float | None] = None,
) -> LocationDetail:
    """404 for an id the city does not publish; with lat/lon the distance from there."""
    row = await one_location(ctx.session, location_id)
    if row is None:
        raise NotFound(detail="no such charging location")
    distance = None
    if lat is not None and lon is not None:
        check_point(lat, lon)
        distance = distance_m(row.lat, row.lon, lat, lon)
    now = utcnow()
    return location_detail(row, distance, now, _fresh_since(ctx, now))


route_handlers = [list_locations, get_location]
