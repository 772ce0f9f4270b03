"""Residents read an idea's thread, comment under a pseudonym, and read and report any comment."""

from __future__ import annotations

import uuid

from litestar import Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.api import DEFAULT_LIMIT, NotFound, RequestContext, created_resource, require_device
from schemas import Page
from stadtkern_ideas.controllers.common import device_of, the_device
from stadtkern_ideas.controllers.threads import (
    PER_CALLER,
    comment_list,
    comment_on,
    comment_out,
    readable_comment,
    thread_state,
)
from stadtkern_ideas.schemas.dialogue import CommentIn, CommentOut, ReportIn, ThreadOut
from stadtkern_ideas.services.dialogue import SUBJECT_IDEA, report
from stadtkern_ideas.services.ideas import get_visible_idea
from stadtkern_ideas.settings import IdeasSettings

Ctx = RequestContext[IdeasSettings]


@get(
    "/ideas/{idea_id:uuid}/thread", summary="Whether an idea's thread is open, how it is moderated, my pseudonym there"
)
async def show_thread(idea_id: FromPath[uuid.UUID], ctx: Ctx) -> ThreadOut:
    """Mode ``off`` while staff have not opened comments."""
    await get_visible_idea(ctx.session, idea_id, device_of(ctx))
    return await thread_state(ctx, SUBJECT_IDEA, idea_id)


@get("/ideas/{idea_id:uuid}/comments", summary="An idea's comments, oldest first (and the caller's own still waiting)")
async def list_comments(
    idea_id: FromPath[uuid.UUID],
    ctx: Ctx,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Response[Page[CommentOut]]:
    """404 while comments are off for the idea."""
    return await comment_list(ctx, SUBJECT_IDEA, idea_id, cursor, limit)


@get("/comments/{comment_id:uuid}", summary="One comment, if its thread's comment list shows it to the caller")
async def show_comment(comment_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[CommentOut]:
    """A visible comment, or the caller's own still waiting, of a public item with comments on; else 404."""
    device = device_of(ctx)
    found, author = await readable_comment(ctx, comment_id, device)
    return Response(comment_out(found, author, ctx.tenant.name, device), headers=PER_CALLER)


@post(
    "/ideas/{idea_id:uuid}/comments",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Comment on an idea under the pseudonym the device uses in this thread (rate-limited)",
    opt=created_resource("/ideas/comments/{id}"),
)
async def post_comment(idea_id: FromPath[uuid.UUID], data: JSONBody[CommentIn], ctx: Ctx) -> CommentOut:
    """Pre-moderated threads answer with state ``pending``; 409 in a locked thread."""
    return await comment_on(ctx, SUBJECT_IDEA, idea_id, data)


@post(
    "/comments/{comment_id:uuid}/reports",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Report a comment to the moderators, once per device",
)
async def report_comment(comment_id: FromPath[uuid.UUID], data: JSONBody[ReportIn], ctx: Ctx) -> None:
    """409 when this device reported it already; a comment the caller cannot read (``GET
    /comments/{id}``: an unpublished item, comments switched off, hidden), or one still waiting
    for moderation, is a 404."""
    device = the_device(ctx).device_id
    row, _ = await readable_comment(ctx, comment_id, device)
    if row.state != "visible":
        raise NotFound(detail="comment not found")
    await report(ctx.session, row, device, data.reason, data.note)


route_handlers = [show_thread, list_comments, show_comment, post_comment, report_comment]
