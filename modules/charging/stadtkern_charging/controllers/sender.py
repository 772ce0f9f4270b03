"""The OCPI 2.2.1 Locations Sender interface (CPO side, read-only): the city's public chargers as OCPI.

``GET /ocpi/2.2.1/locations`` with the envelope, ``offset``/``limit``, ``date_from``/``date_to``,
``Link``, ``X-Total-Count`` and ``X-Limit``; and one Location, EVSE or Connector by its ids. Only
published Locations; the data is public, so no token is asked for."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.params import FromPath, Parameter
from sqlalchemy import func, select

from core.api import Invalid, NotFound, RequestContext, utcnow
from stadtkern_charging.models import Location
from stadtkern_charging.ocpi.values import Rejected, Repairs, format_datetime, parse_datetime
from stadtkern_charging.services.export import connector_json, evse_json, location_json
from stadtkern_charging.services.query import one_location
from stadtkern_charging.services.store import tree
from stadtkern_charging.settings import ChargingSettings

Ctx = RequestContext[ChargingSettings]
X_LIMIT = 100
Moment = Annotated[str | None, Parameter(max_length=40)]


def _envelope(data: Any) -> dict[str, Any]:
    return {"data": data, "status_code": 1000, "status_message": "Success", "timestamp": format_datetime(utcnow())}


def _moment(value: str | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value, field, Repairs())
    except Rejected as exc:
        raise Invalid(f"query.{field}", str(exc)) from exc


@get("/ocpi/2.2.1/locations", summary="OCPI 2.2.1 Sender: the city's published Locations, paged (offset/limit, Link)")
async def list_ocpi_locations(
    ctx: Ctx,
    request: Request[Any, Any, Any],
    date_from: Moment = None,
    date_to: Moment = None,
    offset: Annotated[int, Parameter(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=X_LIMIT)] = X_LIMIT,
) -> Response[dict[str, Any]]:
    """Ordered by last_updated then id, so that pages are stable while nothing changes."""
    start, end = _moment(date_from, "date_from"), _moment(date_to, "date_to")
    stmt = select(Location).where(Location.publish.is_(True), Location.merged_into_id.is_(None))
    if start is not None:
        stmt = stmt.where(Location.last_updated > start)
    if end is not None:
        stmt = stmt.where(Location.last_updated <= end)
    total = int(await ctx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    page = stmt.order_by(Location.last_updated, Location.id).offset(offset).limit(limit).options(*tree())
    rows = (await ctx.session.scalars(page)).all()
    headers = {"X-Total-Count": str(total), "X-Limit": str(X_LIMIT)}
    if offset + len(rows) < total:
        query = {k: v for k, v in {"date_from": date_from, "date_to": date_to}.items() if v}
        query.update(offset=str(offset + len(rows)), limit=str(limit))
        headers["Link"] = f'<{str(request.url).split("?")[0]}?{urlencode(query)}>; rel="next"'
    return Response(_envelope([location_json(r) for r in rows]), headers=headers)


async def _one(ctx: Ctx, location_id: str) -> Location:
    try:
        ident = uuid.UUID(location_id)
    except ValueError as exc:
        raise NotFound(detail="no such Location") from exc
    row = await one_location(ctx.session, ident)
    if row is None:
        raise NotFound(detail="no such Location")
    return row


@get("/ocpi/2.2.1/locations/{location_id:str}", summary="OCPI 2.2.1 Sender: one Location")
async def get_ocpi_location(ctx: Ctx, location_id: Annotated[str, Parameter(max_length=36)]) -> dict[str, Any]:
    """The Location object in the envelope."""
    return _envelope(location_json(await _one(ctx, location_id)))


@get("/ocpi/2.2.1/locations/{location_id:str}/{evse_uid:str}", summary="OCPI 2.2.1 Sender: one EVSE")
async def get_ocpi_evse(ctx: Ctx, location_id: FromPath[str], evse_uid: FromPath[str]) -> dict[str, Any]:
    """The EVSE object in the envelope."""
    row = await _one(ctx, location_id)
    evse = next((e for e in row.evses if e.uid == evse_uid), None)
    if evse is None:
        raise NotFound(detail="no such EVSE")
    return _envelope(evse_json(evse))


@get(
    "/ocpi/2.2.1/locations/{location_id:str}/{evse_uid:str}/{connector_id:str}",
    summary="OCPI 2.2.1 Sender: one Connector",
)
async def get_ocpi_connector(
    ctx: Ctx, location_id: FromPath[str], evse_uid: FromPath[str], connector_id: FromPath[str]
) -> dict[str, Any]:
    """The Connector object in the envelope."""
    row = await _one(ctx, location_id)
    evse = next((e for e in row.evses if e.uid == evse_uid), None)
    connector = next((c for c in evse.connectors if c.connector_id == connector_id), None) if evse else None
    if connector is None:
        raise NotFound(detail="no such Connector")
    return _envelope(connector_json(connector))


route_handlers = [list_ocpi_locations, get_ocpi_location, get_ocpi_evse, get_ocpi_connector]
