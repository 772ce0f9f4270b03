"""Resident routes: facilities near a point or in the city, the map call, a facility's detail."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import MediaType, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter

from core.api import (
    DEFAULT_LIMIT,
    Invalid,
    NotFound,
    RequestContext,
    check_limit,
    deleted_since,
    parse_since,
    sync_token,
    utcnow,
)
from schemas import DeltaPage, Page
from stadtkern_parking.mapcache import city_map, encode
from stadtkern_parking.mapview import map_items
from stadtkern_parking.models import RESOURCE, Facility
from stadtkern_parking.predictions import forecast_for
from stadtkern_parking.queries import Filters, find_facilities, last_day, states_of
from stadtkern_parking.schemas import FacilityOut, FacilitySummary, ForecastOut, MapItem
from stadtkern_parking.serializers import detail, summary
from stadtkern_parking.settings import FACILITY_KINDS, ParkingSettings

Ctx = RequestContext[ParkingSettings]
MAX_RADIUS_M = 50_000


def _point(lat: float | None, lon: float | None, radius_m: int) -> tuple[float, float, float] | None:
    if (lat is None) != (lon is None):
        raise Invalid("query.lon" if lon is None else "query.lat", "lat and lon go together")
    # core.api.near raises a plain ValueError (a 500) for these, though its docs promise a 422
    if lat is not None and not -90 <= lat <= 90:
        raise Invalid("query.lat", "between -90 and 90")
    if lon is not None and not -180 <= lon <= 180:
        raise Invalid("query.lon", "between -180 and 180")
    if not 1 <= radius_m <= MAX_RADIUS_M:
        raise Invalid("query.radius_m", f"between 1 and {MAX_RADIUS_M} metres")
    return None if lat is None or lon is None else (lat, lon, float(radius_m))


@get("/facilities", summary="Facilities near a point (nearest first) or in the city, with live state and filters")
async def list_facilities(
    ctx: Ctx,
    lat: FromQuery[float | None] = None,
    lon: FromQuery[float | None] = None,
    radius_m: FromQuery[int] = 5000,
    kind: Annotated[str | None, QueryParameter(name="type", max_length=16)] = None,
    open_now: FromQuery[bool | None] = None,
    has_free: FromQuery[bool | None] = None,
    disabled: FromQuery[bool | None] = None,
    vehicle_height_cm: Annotated[int | None, QueryParameter(ge=50, le=1000)] = None,
    park_and_ride: FromQuery[bool | None] = None,
    cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Page[FacilitySummary]:
    """Every state carries its age; a state older than the city's limit is marked stale."""
    check_limit(limit)
    if kind is not None and kind not in FACILITY_KINDS:
        raise Invalid("query.type", f"one of {', '.join(FACILITY_KINDS)}")
    filters = Filters(kind, open_now, has_free, disabled, vehicle_height_cm, park_and_ride)
    now = utcnow()
    stale = ctx.settings.stale_after_seconds
    pairs, next_cursor = await find_facilities(
        ctx.session, filters, _point(lat, lon, radius_m), cursor, limit, now, stale
    )
    states = await states_of(ctx.session, [f.id for f, _ in pairs])
    return Page(items=[summary(f, states.get(f.id), d, now, stale) for f, d in pairs], next_cursor=next_cursor)


@get("/map", summary="Every facility of the city with its live state, for the map (small; ETag; ?since= delta)")
async def map_of_the_city(
    ctx: Ctx, since: Annotated[str | None, QueryParameter(max_length=200)] = None
) -> Response[DeltaPage[MapItem]]:
    """Without ``since`` the whole city; with it, what changed, went stale or was deleted since.

    The ETag covers the pins, not the sync token (which moves every second): a client whose
    pins are current gets 304 and keeps its older token, which repeats rather than misses.
    """
    now = utcnow()
    changed = parse_since(since)
    stale = ctx.settings.stale_after_seconds
    if changed is None:
        whole = await city_map(ctx.engine, ctx.tenant.slug, ctx.session, now, stale)
        return Response(whole.body, media_type=MediaType.JSON, headers={"etag": whole.etag})  # type: ignore[arg-type]
    token = sync_token(now)
    items = await map_items(ctx.session, now, stale, changed)
    deleted = [str(i) for i in await deleted_since(ctx.session, RESOURCE, changed)]
    body, etag = encode(items, deleted, token)
    return Response(body, media_type=MediaType.JSON, headers={"etag": etag})  # type: ignore[arg-type]


@get("/facilities/{facility_id:uuid}", summary="A facility with its live state and the last 24 hours")
async def get_facility(ctx: Ctx, facility_id: FromPath[uuid.UUID]) -> FacilityOut:
    """The detail page: static data in the caller's language, state, a quarter-hour curve."""
    facility = await ctx.session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(detail="facility not found")
    now = utcnow()
    states = await states_of(ctx.session, [facility.id])
    history = await last_day(ctx.session, facility.id, now)
    return detail(facility, states.get(facility.id), history, ctx.locales, now, ctx.settings.stale_after_seconds)


@get("/facilities/{facility_id:uuid}/forecast", summary="Expected free spaces in +15 min … +2 h")
async def get_forecast(ctx: Ctx, facility_id: FromPath[uuid.UUID]) -> ForecastOut:
    """From the facility's own weekday x time-of-day profile and its current deviation from it."""
    facility = await ctx.session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(detail="facility not found")
    now = utcnow()
    state = (await states_of(ctx.session, [facility.id])).get(facility.id)
    return await forecast_for(ctx.session, facility, state, ctx.tenant.time_zone, now, ctx.settings.stale_after_seconds)


route_handlers = [list_facilities, map_of_the_city, get_facility, get_forecast]
