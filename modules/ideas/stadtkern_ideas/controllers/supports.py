"""Residents support a public idea, once per device, and may withdraw it."""

from __future__ import annotations

import uuid

from litestar import delete, post
from litestar.params import FromPath

from core.api import Conflict, NotFound, RequestContext, require_device
from stadtkern_ideas.controllers.common import the_device
from stadtkern_ideas.schemas.ideas import SupportOut
from stadtkern_ideas.services.ideas import get_idea
from stadtkern_ideas.services.supports import add_support, remove_support
from stadtkern_ideas.settings import IdeasSettings

Ctx = RequestContext[IdeasSettings]


async def _public(ctx: Ctx, idea_id: uuid.UUID) -> None:
    row = await get_idea(ctx.session, idea_id)
    if row.moderation != "accepted":
        raise NotFound(detail="idea not found")


async def _count(ctx: Ctx, idea_id: uuid.UUID, mine: bool) -> SupportOut:
    row = await get_idea(ctx.session, idea_id)
    await ctx.session.refresh(row)
    return SupportOut(supporters=row.supporters, supported_by_me=mine)


@post(
    "/ideas/{idea_id:uuid}/support",
    guards=[require_device],
    status_code=200,
    summary="Support a public idea: once per device (409 the second time); nobody sees who supports what",
)
async def support_idea(idea_id: FromPath[uuid.UUID], ctx: Ctx) -> SupportOut:
    """Answers with the new count."""
    await _public(ctx, idea_id)
    if not await add_support(ctx.session, ctx.keys, idea_id, the_device(ctx).device_id):
        raise Conflict(detail="this device supports this idea already")
    return await _count(ctx, idea_id, True)


@delete(
    "/ideas/{idea_id:uuid}/support",
    guards=[require_device],
    status_code=200,
    summary="Withdraw the device's support of an idea (404 if it has none)",
)
async def withdraw_support(idea_id: FromPath[uuid.UUID], ctx: Ctx) -> SupportOut:
    """Answers with the new count."""
    await _public(ctx, idea_id)
    if not await remove_support(ctx.session, ctx.keys, idea_id, the_device(ctx).device_id):
        raise NotFound(detail="this device does not support this idea")
    return await _count(ctx, idea_id, False)


route_handlers = [support_idea, withdraw_support]
