"""The moderation queue, decisions, the city's status answers and merging duplicates."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import get, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.api import (
    DEFAULT_LIMIT,
    Invalid,
    NotFound,
    RequestContext,
    check_texts,
    require_editor,
)
from schemas import Page
from stadtkern_ideas.schemas.staff import (
    DecisionIn,
    IdeaStaffOut,
    MergeIn,
    StaffStep,
    StatusIn,
    idea_staff_out,
    staff_step,
)
from stadtkern_ideas.services.ideas import get_idea, history_of
from stadtkern_ideas.services.moderation import accept, decline, merge, queue_page, set_status
from stadtkern_ideas.services.photos import photos_of
from stadtkern_ideas.settings import IdeasSettings
from stadtkern_ideas.staff.roles import require_moderator, staff_id

Ctx = RequestContext[IdeasSettings]
Moderation = Literal["pending", "accepted", "declined", "merged"]


@get(
    "/moderation",
    guards=[require_moderator],
    summary="Moderators: ideas by moderation state, oldest first (default: the queue of pending ideas)",
)
async def moderation_queue(
    ctx: Ctx,
    moderation: FromQuery[Moderation] = "pending",
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Page[IdeaStaffOut]:
    """Every field but the submitting device."""
    rows, next_cursor = await queue_page(ctx.session, moderation, cursor=cursor, limit=limit)
    photos = await photos_of(ctx.session, [r.id for r in rows])
    return Page(items=[idea_staff_out(r, photos[r.id]) for r in rows], next_cursor=next_cursor)


@get(
    "/ideas/{idea_id:uuid}/history",
    guards=[require_moderator],
    summary="Moderators: an idea's status history with who changed it and every language of the answers",
)
async def staff_history(idea_id: FromPath[uuid.UUID], ctx: Ctx) -> list[StaffStep]:
    """Oldest first."""
    row = await get_idea(ctx.session, idea_id)
    return [staff_step(s) for s in await history_of(ctx.session, row.id)]


@post(
    "/ideas/{idea_id:uuid}/decision",
    guards=[require_moderator],
    status_code=200,
    summary="Moderators: accept a pending idea into the public pool, or decline it with a reason for the submitter",
)
async def decide(idea_id: FromPath[uuid.UUID], data: JSONBody[DecisionIn], ctx: Ctx) -> IdeaStaffOut:
    """409 when it was decided already; the submitter gets a push (topic ``ideas.status``)."""
    row = await get_idea(ctx.session, idea_id)
    if data.decision == "accept":
        await accept(ctx.session, ctx.push, row, staff_id(ctx))
    else:
        if data.reason is None or not data.reason.strip():
            raise Invalid("body.reason", "a declined idea needs the reason its submitter reads")
        await decline(ctx.session, ctx.push, row, data.reason.strip())
    return idea_staff_out(row, (await photos_of(ctx.session, [row.id]))[row.id])


@post(
    "/ideas/{idea_id:uuid}/status",
    guards=[require_editor],
    status_code=200,
    summary="Editors: a public idea's next step with the city's answer (de/en), pushed to submitter and supporters",
)
async def answer_idea(idea_id: FromPath[uuid.UUID], data: JSONBody[StatusIn], ctx: Ctx) -> IdeaStaffOut:
    """409 for a step the status flow does not allow."""
    check_texts(ctx.tenant, **{"body.answer": data.answer})
    row = await get_idea(ctx.session, idea_id)
    await set_status(
        ctx.session, ctx.push, ctx.keys, row, status=data.status, answer=data.answer, staff_id=staff_id(ctx)
    )
    return idea_staff_out(row, (await photos_of(ctx.session, [row.id]))[row.id])


@post(
    "/ideas/{idea_id:uuid}/merge",
    guards=[require_moderator],
    status_code=200,
    summary="Moderators: merge a duplicate into a public idea; its supports carry over, each device once",
)
async def merge_idea(idea_id: FromPath[uuid.UUID], data: JSONBody[MergeIn], ctx: Ctx) -> IdeaStaffOut:
    """Answers with the target idea and its new count."""
    row = await get_idea(ctx.session, idea_id)
    try:
        target = await get_idea(ctx.session, data.into)
    except NotFound:
        raise Invalid("body.into", "no idea of this city has this id") from None
    await merge(ctx.session, ctx.push, ctx.keys, row, target)
    return idea_staff_out(target, (await photos_of(ctx.session, [target.id]))[target.id])


route_handlers = [moderation_queue, staff_history, decide, answer_idea, merge_idea]
