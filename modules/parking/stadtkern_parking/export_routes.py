"""Public export routes: ParkAPI v3 JSON (existing ParkAPI clients), NGSI-LD for the city's data
platform, DATEX II v2.3 table and status for the Mobilithek."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from sqlalchemy import select

from core.api import RequestContext, utcnow
from stadtkern_parking.exports import datex2_status, datex2_table, ngsi_entity, parkapi_site
from stadtkern_parking.models import Facility, FacilityState
from stadtkern_parking.queries import closed_by_staff
from stadtkern_parking.settings import ParkingSettings

Ctx = RequestContext[ParkingSettings]
XML = "application/xml"


async def _pairs(ctx: Ctx) -> list[tuple[Facility, FacilityState | None]]:
    rows = await ctx.session.execute(
        select(Facility, FacilityState)
        .outerjoin(FacilityState, FacilityState.facility_id == Facility.id)
        .order_by(Facility.id)
    )
    return [(facility, state) for facility, state in rows.all()]


@get("/exports/parkapi/v3/parking-sites", summary="Every facility in ParkAPI v3's parking-sites shape")
async def parkapi_sites(ctx: Ctx) -> dict[str, Any]:
    """``{"items": [...]}`` as ``GET /api/public/v3/parking-sites`` answers; ids are stable integers."""
    now = utcnow()
    items = [parkapi_site(f, s, closed_by_staff(f, now)) for f, s in await _pairs(ctx)]
    return {"items": items}


@get("/exports/ngsi-ld/entities", summary="Every facility as NGSI-LD key-values OffStreetParking/OnStreetParking")
async def ngsi_entities(ctx: Ctx) -> Response[list[dict[str, Any]]]:
    """``application/ld+json`` with the Smart Data Models context."""
    now = utcnow()
    entities = [ngsi_entity(ctx.tenant.slug, f, s, closed_by_staff(f, now)) for f, s in await _pairs(ctx)]
    return Response(entities, media_type="application/ld+json")


@get("/exports/datex2/parking-table.xml", summary="DATEX II v2.3 ParkingTablePublication", media_type=XML)
async def datex2_parking_table(ctx: Ctx) -> Response[bytes]:
    """Names, positions and capacities; record ids are our facility ids."""
    return Response(datex2_table(await _pairs(ctx), utcnow()), media_type=XML)


@get("/exports/datex2/parking-status.xml", summary="DATEX II v2.3 ParkingStatusPublication", media_type=XML)
async def datex2_parking_status(ctx: Ctx) -> Response[bytes]:
    """The live state of every facility that has one (a staff closure says closed)."""
    now = utcnow()
    pairs = await _pairs(ctx)
    closed = {f.id for f, _ in pairs if closed_by_staff(f, now)}
    return Response(datex2_status(pairs, closed, now), media_type=XML)


route_handlers = [parkapi_sites, ngsi_entities, datex2_parking_table, datex2_parking_status]
