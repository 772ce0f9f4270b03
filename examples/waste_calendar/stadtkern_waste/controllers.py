"""Resident routes: read the city's waste calendar."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import get
from litestar.params import FromPath, FromQuery, QueryParameter

from core.api import DEFAULT_LIMIT, NotFound, RequestContext, parse_since, sync_token, utcnow
from schemas import DeltaPage
from stadtkern_waste.models import Pickup
from stadtkern_waste.schemas import PickupOut, pickup_out
from stadtkern_waste.services import PickupFilter, check_district, check_window, pickups_page
from stadtkern_waste.settings import WasteSettings


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
    """Cursor-paginated in date order; with ``since`` only what changed, and what was removed."""
    # Taken before the query runs: a write committed meanwhile shows up again in the next delta.
    token = sync_token(utcnow())
    if district is not None:
        check_district(ctx.settings, district, "query.district")
    check_window(start, end)
    wanted = PickupFilter(district=district, start=start, end=end, changed_since=parse_since(since))
    rows, next_cursor, deleted = await pickups_page(ctx.session, wanted, cursor, limit)
    return DeltaPage(items=[pickup_out(r) for r in rows], deleted=deleted, sync_token=token, next_cursor=next_cursor)


@get("/pickups/{pickup_id:uuid}", summary="One pickup of the city (as the list shows it)")
async def show_pickup(pickup_id: FromPath[uuid.UUID], ctx: RequestContext[WasteSettings]) -> PickupOut:
    """Another city's pickup, or a removed one, is not found here."""
    row = await ctx.repository(Pickup).get_one_or_none(id=pickup_id)
    if row is None:
        raise NotFound(detail="pickup not found")
    return pickup_out(row)


route_handlers = [list_pickups, show_pickup]
