"""The OCPI 2.2.1 Locations receiver (eMSP interface) for the city's push partners.

Every write is authorised by the partner's own OCPI token (``Authorization: Token <base64>``), not
a Stadtkern credential: the core's bearer check is skipped for these routes (``exclude_from_auth``)
and the token is checked in each handler, which answers 401 without a valid one and 403 for
another party's URL."""

from __future__ import annotations

from typing import Any

from litestar import Request, patch, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from core.api import RequestContext, utcnow
from schemas import Key, Problem
from stadtkern_charging.partners import check_party, partner_for, source_of
from stadtkern_charging.schemas.ocpi import OcpiAck, ack
from stadtkern_charging.services.receiver import (
    check_strings,
    patch_location,
    put_connector,
    put_evse,
    put_location,
)
from stadtkern_charging.settings import ChargingSettings

Ctx = RequestContext[ChargingSettings]
BASE = "/ocpi/2.2.1/emsp/locations/{country_code:str}/{party_id:str}/{location_id:str}"
OPT = {
    "exclude_from_auth": True,
    "anonymous_write": "OCPI push partners authenticate with their OCPI token, checked in the handler",
}


def _problem(what: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=what, media_type="application/problem+json", generate_examples=False
    )


# The core documents a refused Stadtkern credential; these routes refuse the partner's own token.
PARTNER_ERRORS = {
    401: _problem("Unauthorized: no active OCPI partner token (`WWW-Authenticate: Token`; RFC 9457 problem)"),
    403: _problem("Forbidden: the token pushes for another party (RFC 9457 problem)"),
}
# Keys bounded like every request string (tests/test_input_limits.py); the values are checked as OCPI objects.
Body = JSONBody[dict[Key, Any]]


async def _partner(ctx: Ctx, request: Request[Any, Any, Any], country_code: str, party_id: str, body: Any) -> str:
    partner = await partner_for(ctx.session, ctx.keys, request.headers.get("authorization"))
    check_party(partner, country_code, party_id)
    check_strings(body)
    return source_of(partner)


def _party(country_code: str, party_id: str) -> tuple[str, str]:
    return country_code.upper()[:2], party_id.upper()[:3]


@put(
    BASE, opt=OPT, responses=PARTNER_ERRORS, summary="OCPI: a push partner creates or replaces a Location (Token auth)"
)
async def put_location_route(
    ctx: Ctx,
    request: Request[Any, Any, Any],
    country_code: FromPath[str],
    party_id: FromPath[str],
    location_id: FromPath[str],
    data: Body,
) -> OcpiAck:
    """The whole Location, as OCPI 2.2.1 § 8.2.2.1 says."""
    source = await _partner(ctx, request, country_code, party_id, data)
    party = _party(country_code, party_id)
    zone, area = ctx.tenant.time_zone.key, ctx.settings.area
    row = await put_location(ctx.session, source, party, location_id, data, time_zone=zone, area=area)
    # Partners push their whole network; what lies outside the city is acknowledged, not kept.
    return ack(utcnow(), "Success" if row is not None else "Accepted; outside the city's area, not kept")


@patch(
    BASE, opt=OPT, responses=PARTNER_ERRORS, summary="OCPI: a push partner changes fields of a Location (Token auth)"
)
async def patch_location_route(
    ctx: Ctx,
    request: Request[Any, Any, Any],
    country_code: FromPath[str],
    party_id: FromPath[str],
    location_id: FromPath[str],
    data: Body,
) -> OcpiAck:
    """Only the named fields; ``last_updated`` is required."""
    source = await _partner(ctx, request, country_code, party_id, data)
    await patch_location(ctx.session, source, _party(country_code, party_id), location_id, data)
    return ack(utcnow())


@put(
    BASE + "/{evse_uid:str}",
    opt=OPT,
    responses=PARTNER_ERRORS,
    summary="OCPI: a push partner adds or replaces an EVSE (Token auth)",
)
async def put_evse_route(
    ctx: Ctx,
    request: Request[Any, Any, Any],
    country_code: FromPath[str],
    party_id: FromPath[str],
    location_id: FromPath[str],
    evse_uid: FromPath[str],
    data: Body,
) -> OcpiAck:
    """The whole EVSE; its Location must exist."""
    source = await _partner(ctx, request, country_code, party_id, data)
    await put_evse(ctx.session, source, _party(country_code, party_id), location_id, evse_uid, data)
    return ack(utcnow())


@patch(
    BASE + "/{evse_uid:str}",
    opt=OPT,
    responses=PARTNER_ERRORS,
    summary="OCPI: a push partner changes an EVSE, e.g. its status (Token auth)",
)
async def patch_evse_route(
    ctx: Ctx,
    request: Request[Any, Any, Any],
    country_code: FromPath[str],
    party_id: FromPath[str],
    location_id: FromPath[str],
    evse_uid: FromPath[str],
    data: Body,
) -> OcpiAck:
    """``{"status": "CHARGING", "last_updated": …}`` is the common case."""
    source = await _partner(ctx, request, country_code, party_id, data)
    await put_evse(ctx.session, source, _party(country_code, party_id), location_id, evse_uid, data, patch=True)
    return ack(utcnow())


@put(
    BASE + "/{evse_uid:str}/{connector_id:str}",
    opt=OPT,
    responses=PARTNER_ERRORS,
    summary="OCPI: a push partner adds or replaces a Connector (Token auth)",
)
async def put_connector_route(
    ctx: Ctx,
    request: Request[Any, Any, Any],
    country_code: FromPath[str],
    party_id: FromPath[str],
    location_id: FromPath[str],
    evse_uid: FromPath[str],
    connector_id: FromPath[str],
    data: Body,
) -> OcpiAck:
    """The whole Connector; its EVSE must exist."""
    source = await _partner(ctx, request, country_code, party_id, data)
    ids = (location_id, evse_uid, connector_id)
    await put_connector(ctx.session, source, _party(country_code, party_id), ids, data)
    return ack(utcnow())


@patch(
    BASE + "/{evse_uid:str}/{connector_id:str}",
    opt=OPT,
    responses=PARTNER_ERRORS,
    summary="OCPI: a push partner changes a Connector (Token auth)",
)
async def patch_connector_route(
    ctx: Ctx,
    request: Request[Any, Any, Any],
    country_code: FromPath[str],
    party_id: FromPath[str],
    location_id: FromPath[str],
    evse_uid: FromPath[str],
    connector_id: FromPath[str],
    data: Body,
) -> OcpiAck:
    """Only the named fields of the Connector (a tariff change, say)."""
    source = await _partner(ctx, request, country_code, party_id, data)
    ids = (location_id, evse_uid, connector_id)
    await put_connector(ctx.session, source, _party(country_code, party_id), ids, data, patch=True)
    return ack(utcnow())


route_handlers = [
    put_location_route,
    patch_location_route,
    put_evse_route,
    patch_evse_route,
    put_connector_route,
    patch_connector_route,
]
