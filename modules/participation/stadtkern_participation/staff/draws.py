"""Editors draw pool members by lot for an offer, in two steps: commit, then run.

Every attempt is audited (``services/draw_audit.py``): accepted ones with the draw, refused ones
(a second draw, a second run, quotas the pool cannot meet) in a transaction of their own.
"""

from __future__ import annotations

import uuid

from litestar import post
from litestar.exceptions import HTTPException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from core.api import Invalid, ModuleContext, RequestContext, StaffUser, created_resource, require_editor
from stadtkern_participation.schemas.draws import DrawIn, DrawOut, draw_out
from stadtkern_participation.services import draw_audit
from stadtkern_participation.services.draws import commit_draw, get_draw, run_draw_now
from stadtkern_participation.services.offers import get_offer
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


def _by(ctx: ModuleContext[ParticipationSettings]) -> str:
    user = ctx.user
    return user.email if isinstance(user, StaffUser) else ""


def _check_quotas(data: DrawIn) -> None:
    for index, quota in enumerate(data.quotas):
        if quota.attribute not in data.strata_by:
            raise Invalid(f"body.quotas[{index}].attribute", "quotas need their attribute in strata_by")


@post(
    "/offers/{offer_id:uuid}/draws",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    opt=created_resource("/participation/draws/{id}"),
    summary="Commit the offer's one draw: parameters and a server-chosen seed, of which only the SHA-256 is shown",
)
async def create_draw(offer_id: FromPath[uuid.UUID], data: JSONBody[DrawIn], ctx: Ctx) -> DrawOut:
    """409 if the offer has its draw; quotas the pool cannot meet are a 422 naming each of them."""
    offer = await get_offer(ctx.session, offer_id, staff=True)
    try:
        _check_quotas(data)
        draw = await commit_draw(ctx.session, offer, data, created_by=_by(ctx))
    except HTTPException as exc:
        attempt = (offer.id, None, "commit", _by(ctx))
        await draw_audit.refused(ctx.session, ctx.session_factory, attempt, draw_audit.detail_of(exc))
        raise
    draw_audit.accepted(ctx.session, offer.id, draw.id, "commit", _by(ctx))
    await ctx.session.flush()
    return draw_out(draw, await draw_audit.attempts_for(ctx.session, offer.id))


@post(
    "/draws/{draw_id:uuid}/run",
    guards=[require_editor],
    status_code=200,
    summary="Run a committed draw: freeze the pool, draw with the committed seed, reveal it, invite (editors)",
)
async def run_draw_route(draw_id: FromPath[uuid.UUID], ctx: Ctx) -> DrawOut:
    """Once only (409 after); 422 if the pool shrank below the quotas (the seed stays hidden)."""
    draw = await get_draw(ctx.session, draw_id, for_update=True)
    offer_id = draw.offer_id
    try:
        await run_draw_now(ctx.session, ctx.push, ctx.settings, ctx.tenant.slug, draw)
    except HTTPException as exc:
        attempt = (offer_id, draw_id, "run", _by(ctx))
        await draw_audit.refused(ctx.session, ctx.session_factory, attempt, draw_audit.detail_of(exc))
        raise
    draw_audit.accepted(ctx.session, offer_id, draw.id, "run", _by(ctx))
    await ctx.session.flush()
    return draw_out(draw, await draw_audit.attempts_for(ctx.session, offer_id))


route_handlers = [create_draw, run_draw_route]
