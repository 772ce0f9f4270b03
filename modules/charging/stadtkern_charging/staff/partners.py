"""Staff routes: the city's OCPI push partners (admins issue, rotate and revoke their tokens)."""

from __future__ import annotations

import uuid

from litestar import delete, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import select

from core.api import Conflict, NotFound, RequestContext, created_resource, require_admin
from stadtkern_charging.models import Partner
from stadtkern_charging.partners import new_token, token_hash
from stadtkern_charging.schemas.staff import PartnerIn, PartnerOut
from stadtkern_charging.settings import ChargingSettings

Ctx = RequestContext[ChargingSettings]


def partner_out(row: Partner, token: str | None = None) -> PartnerOut:
    """A partner as staff see it."""
    return PartnerOut(
        id=row.id,
        name=row.name,
        country_code=row.country_code,
        party_id=row.party_id,
        active=row.active,
        last_push_at=row.last_push_at,
        token=token,
    )


@post(
    "/partners",
    guards=[require_admin],
    status_code=HTTP_201_CREATED,
    summary="Register an OCPI push partner; its token is shown once (admins)",
    opt=created_resource("/charging/partners/{id}"),
)
async def create_partner(data: JSONBody[PartnerIn], ctx: Ctx) -> PartnerOut:
    """409 when the party already has a partner in this city."""
    country_code, party_id = data.country_code.upper(), data.party_id.upper()
    existing = await ctx.session.scalars(
        select(Partner).where(Partner.country_code == country_code, Partner.party_id == party_id)
    )
    if existing.first() is not None:
        raise Conflict(detail=f"{country_code}/{party_id} is already a partner")
    token = new_token()
    row = Partner(name=data.name, country_code=country_code, party_id=party_id, token_hash=token_hash(ctx.keys, token))
    ctx.session.add(row)
    await ctx.session.flush()
    return partner_out(row, token)


@get("/partners", guards=[require_admin], summary="The city's OCPI push partners, without their tokens (admins)")
async def list_partners(ctx: Ctx) -> list[PartnerOut]:
    """Ordered by party."""
    rows = await ctx.session.scalars(select(Partner).order_by(Partner.country_code, Partner.party_id))
    return [partner_out(r) for r in rows]


async def _partner(ctx: Ctx, partner_id: uuid.UUID) -> Partner:
    row = await ctx.session.get(Partner, partner_id)
    if row is None:
        raise NotFound(detail="no such partner")
    return row


@get("/partners/{partner_id:uuid}", guards=[require_admin], summary="One OCPI push partner, without its token (admins)")
async def get_partner(partner_id: FromPath[uuid.UUID], ctx: Ctx) -> PartnerOut:
    """404 for another city's partner."""
    return partner_out(await _partner(ctx, partner_id))


# 200, not 201: a new token is no new resource (the partner is read at its own path).
@post(
    "/partners/{partner_id:uuid}/token",
    guards=[require_admin],
    status_code=HTTP_200_OK,
    summary="Issue a new token for a partner; the old one stops working (admins)",
)
async def rotate_token(partner_id: FromPath[uuid.UUID], ctx: Ctx) -> PartnerOut:
    """The new token is shown once; the partner is active again."""
    row = await _partner(ctx, partner_id)
    token = new_token()
    row.token_hash, row.active = token_hash(ctx.keys, token), True
    return partner_out(row, token)


@delete(
    "/partners/{partner_id:uuid}",
    guards=[require_admin],
    status_code=HTTP_204_NO_CONTENT,
    summary="Revoke a partner's token (admins); what it pushed stays",
)
async def revoke_partner(partner_id: FromPath[uuid.UUID], ctx: Ctx) -> None:
    """The partner stays listed, inactive; its Locations stay until another source replaces them."""
    row = await _partner(ctx, partner_id)
    row.active = False


route_handlers = [create_partner, list_partners, get_partner, rotate_token, revoke_partner]
