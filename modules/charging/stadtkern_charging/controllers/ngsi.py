"""NGSI-LD key-values export of the city's chargers as FIWARE ``EVChargingStation`` entities."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Response, get
from litestar.params import Parameter
from sqlalchemy import func, select

from core.api import Invalid, RequestContext, utcnow
from stadtkern_charging.models import Location
from stadtkern_charging.services.ngsi import CONTEXT, station
from stadtkern_charging.services.store import tree
from stadtkern_charging.settings import ChargingSettings

Ctx = RequestContext[ChargingSettings]


@get("/ngsi-ld/v1/entities", summary="NGSI-LD key-values: the city's chargers as EVChargingStation entities")
async def list_stations(
    ctx: Ctx,
    type: Annotated[str, Parameter(max_length=40)] = "EVChargingStation",
    offset: Annotated[int, Parameter(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
) -> Response[list[dict[str, Any]]]:
    """Paged by offset/limit (NGSI-LD's own parameters); the total in ``NGSILD-Results-Count``."""
    if type != "EVChargingStation":
        raise Invalid("query.type", "only EVChargingStation is offered")
    stmt = select(Location).where(Location.publish.is_(True), Location.merged_into_id.is_(None))
    total = int(await ctx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = (await ctx.session.scalars(stmt.order_by(Location.id).offset(offset).limit(limit).options(*tree()))).all()
    fresh = utcnow() - dt.timedelta(seconds=ctx.settings.stale_after_seconds)
    headers = {"NGSILD-Results-Count": str(total), "Link": f'<{CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"'}
    return Response([station(r, fresh) for r in rows], headers=headers)


route_handlers = [list_stations]
