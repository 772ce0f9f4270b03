"""Residents read the calendar; the city's editors add and remove pickups."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar import Response, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import select

from core.api import (
    DEFAULT_LIMIT,
    Invalid,
    NotFound,
    RequestContext,
    deleted_since,
    paginate,
    parse_since,
    record_deletion,
    require_editor,
    sync_token,
    utcnow,
)
from schemas import DeltaPage
from stadtkern_waste.models import RESOURCE, Fraction, Pickup
from stadtkern_waste.settings import WasteSettings

# A window longer than this is almost always a client bug; a year is what a printed calendar shows.
MAX_WINDOW = dt.timedelta(days=400)


class PickupIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    district: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    fraction: Fraction
    date: dt.date


class PickupOut(msgspec.Struct):
    id: uuid.UUID
    district: str
    fraction: str
    date: dt.date
    updated_at: dt.datetime


def _out(row: Pickup) -> PickupOut:
    return PickupOut(
        id=row.id, district=row.district, fraction=row.fraction, date=row.pickup_date, updated_at=row.updated_at
    )


def _check_district(settings: WasteSettings, district: str, field: str) -> str:
    if district not in settings.districts:
        raise Invalid(field, f"unknown district; one of {', '.join(settings.districts)}")
    return district


@get("/pickups", summary="Pickups of the city, by district and date window; ?since= for delta sync")
async def list_pickups(
    ctx: RequestContext[WasteSettings],
    district: FromQuery[str | None] = None,
    start: Annotated[dt.date | None, QueryParameter(name="from", required=False)] = None,
    end: Annotated[dt.date | None, QueryParameter(name="to", required=False)] = None,
    since: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> DeltaPage[PickupOut]:
    token = sync_token(utcnow())
    changed_since = parse_since(since)
    stmt = select(Pickup)
    if district is not None:
        stmt = stmt.where(Pickup.district == _check_district(ctx.settings, district, "query.district"))
    if start is not None and end is not None:
        if end < start:
            raise Invalid("query.to", "must not be before 'from'")
        if end - start > MAX_WINDOW:
            raise Invalid("query.to", f"the window may span at most {MAX_WINDOW.days} days")
    if start is not None:
        stmt = stmt.where(Pickup.pickup_date >= start)
    if end is not None:
        stmt = stmt.where(Pickup.pickup_date <= end)
    deleted: list[str] = []
    if changed_since is not None:
        stmt = stmt.where(Pickup.updated_at > changed_since)
        if not cursor:  # tombstones travel with the first page of a delta
            deleted = await deleted_since(ctx.session, RESOURCE, changed_since)
    rows, next_cursor = await paginate(ctx.session, stmt, [Pickup.pickup_date, Pickup.id], cursor=cursor, limit=limit)
    return DeltaPage(items=[_out(r) for r in rows], deleted=deleted, sync_token=token, next_cursor=next_cursor)


@post("/pickups", guards=[require_editor], status_code=HTTP_201_CREATED, summary="Add a pickup (editors)")
async def create_pickup(data: JSONBody[PickupIn], ctx: RequestContext[WasteSettings]) -> PickupOut:
    row = Pickup(
        district=_check_district(ctx.settings, data.district, "body.district"),
        fraction=data.fraction,
        pickup_date=data.date,
    )
    row = await ctx.repository(Pickup).add(row)
    await ctx.session.flush()
    return _out(row)


@delete(
    "/pickups/{pickup_id:uuid}",
    guards=[require_editor],
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove a pickup (editors); apps learn it through ?since=",
)
async def delete_pickup(pickup_id: FromPath[uuid.UUID], ctx: RequestContext[WasteSettings]) -> Response[None]:
    repo = ctx.repository(Pickup)
    row = await repo.get_one_or_none(id=pickup_id)
    if row is None:
        raise NotFound(detail="pickup not found")
    await repo.delete(row.id)
    await record_deletion(ctx.session, RESOURCE, row.id)
    await ctx.session.flush()
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [list_pickups, create_pickup, delete_pickup]
