"""Editors draw pool members by lot for an offer."""

from __future__ import annotations

import uuid

from litestar import post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from core.api import Invalid, RequestContext, StaffUser, require_editor
from stadtkern_participation.schemas.draws import DrawIn, DrawOut, draw_out
from stadtkern_participation.services.draws import draw_by_lot
from stadtkern_participation.services.offers import get_offer
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


@post(
    "/offers/{offer_id:uuid}/draws",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Draw pool members by lot for an offer, with quotas and a published seed (editors)",
)
async def create_draw(offer_id: FromPath[uuid.UUID], data: JSONBody[DrawIn], ctx: Ctx) -> DrawOut:
    """Quotas that make the draw impossible are a 422 naming each of them."""
    offer = await get_offer(ctx.session, offer_id, staff=True)
    for index, quota in enumerate(data.quotas):
        if quota.attribute not in data.strata_by:
            raise Invalid(f"body.quotas[{index}].attribute", "quotas need their attribute in strata_by")
    user = ctx.user
    created_by = user.email if isinstance(user, StaffUser) else ""
    draw = await draw_by_lot(ctx.session, ctx.push, ctx.settings, ctx.tenant.slug, offer, data, created_by=created_by)
    return draw_out(draw)


route_handlers = [create_draw]
