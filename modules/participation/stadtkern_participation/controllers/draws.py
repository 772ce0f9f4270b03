"""Anyone reads a published draw; an invitee accepts or declines with the token from the e-mail."""

from __future__ import annotations

import uuid

from litestar import get, post
from litestar.params import FromPath, JSONBody

from core.api import RequestContext
from stadtkern_participation.schemas.draws import DrawOut, RespondIn, RespondOut, draw_out
from stadtkern_participation.services.draw_audit import attempts_for
from stadtkern_participation.services.draws import get_draw, respond_to_invitation
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


@get(
    "/draws/{draw_id:uuid}",
    summary="A draw as published: seed commitment, then seed, quotas, candidates' tickets, outcome, log, attempts",
)
async def show_draw(draw_id: FromPath[uuid.UUID], ctx: Ctx) -> DrawOut:
    """Once drawn, enough to reproduce the allocation and the invitees with ``run_draw``."""
    draw = await get_draw(ctx.session, draw_id)
    return draw_out(draw, await attempts_for(ctx.session, draw.offer_id))


@post(
    "/invitations/respond",
    status_code=200,
    opt={"anonymous_write": "accept/decline link in an invitation e-mail (Losverfahren)"},
    summary="Accept or decline an invitation with the token from the e-mail",
)
async def respond(data: JSONBody[RespondIn], ctx: Ctx) -> RespondOut:
    """A decline invites the next member of the same stratum."""
    status = await respond_to_invitation(ctx.session, ctx.push, ctx.settings, ctx.tenant.slug, data.token, data.answer)
    return RespondOut(status=status)


route_handlers = [show_draw, respond]
