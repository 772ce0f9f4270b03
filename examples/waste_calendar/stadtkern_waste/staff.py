"""Staff routes: the city's editors of the waste calendar (or its admins) add and remove pickups."""

from __future__ import annotations

import uuid

from litestar import Response, delete, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.api import NotFound, RequestContext, check_years, created_resource, require_editor
from stadtkern_waste.models import Pickup
from stadtkern_waste.schemas import PickupIn, PickupOut, pickup_out
from stadtkern_waste.services import check_district, remove_pickups
from stadtkern_waste.settings import WasteSettings


@post(
    "/pickups",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Add a pickup (editors)",
    opt=created_resource("/waste/pickups/{id}"),
)
async def create_pickup(data: JSONBody[PickupIn], ctx: RequestContext[WasteSettings]) -> PickupOut:
    """The new row is stamped with the city of the request."""
    check_years(date=data.date)
    district = check_district(ctx.settings, data.district, "body.district")
    row = await ctx.repository(Pickup).add(Pickup(district=district, fraction=data.fraction, pickup_date=data.date))
    await ctx.session.flush()
    return pickup_out(row)


@delete(
    "/pickups/{pickup_id:uuid}",
    guards=[require_editor],
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove a pickup (editors); apps learn it through ?since=",
)
async def delete_pickup(pickup_id: FromPath[uuid.UUID], ctx: RequestContext[WasteSettings]) -> Response[None]:
    """Another city's pickup is not found here, whatever its id."""
    if await ctx.repository(Pickup).get_one_or_none(id=pickup_id) is None:
        raise NotFound(detail="pickup not found")
    await remove_pickups(ctx.session, [pickup_id])
    await ctx.session.flush()
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [create_pickup, delete_pickup]
