"""Residents read an idea's thread, comment under a pseudonym and report comments."""

from __future__ import annotations

import uuid

from litestar import Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.api import DEFAULT_LIMIT, Budget, NotFound, RequestContext, created_resource, require_device
from schemas import Page
from stadtkern_ideas.controllers.common import device_of, the_device
from stadtkern_ideas.models import Comment, Participant, Thread
from stadtkern_ideas.schemas.dialogue import CommentIn, CommentOut, ReportIn, ThreadOut
from stadtkern_ideas.services.dialogue import (
    SUBJECT_IDEA,
    add_comment,
    comment_page,
    get_comment,
    join,
    open_thread,
    participant,
    report,
    shown_comment,
    thread_of,
)
from stadtkern_ideas.services.ideas import get_idea, get_visible_idea
from stadtkern_ideas.settings import IdeasSettings

Ctx = RequestContext[IdeasSettings]
HOUR, MINUTE = 3600, 60
# Per caller (their own waiting comments, "mine"): no shared cache may keep it.
PER_CALLER = {"Cache-Control": "private, no-cache"}


def comment_out(row: Comment, author: Participant | None, city: str, device_id: uuid.UUID | None) -> CommentOut:
    """A comment for residents: the city's answers under the city's name."""
    return CommentOut(
        id=row.id,
        author=city if row.official or author is None else author.pseudonym,
        official=row.official,
        body=row.body,
        state=row.state,
        mine=author is not None and device_id is not None and author.device_id == device_id,
        created_at=row.created_at,
    )


async def _public_idea(ctx: Ctx, idea_id: uuid.UUID) -> None:
    if (await get_idea(ctx.session, idea_id)).moderation != "accepted":
        raise NotFound(detail="idea not found")


async def _comments_of(ctx: Ctx, idea_id: uuid.UUID) -> Thread:
    """Where residents read and write comments: the thread of a public idea, comments on; 404 otherwise."""
    await _public_idea(ctx, idea_id)
    return await open_thread(ctx.session, SUBJECT_IDEA, idea_id)


@get(
    "/ideas/{idea_id:uuid}/thread", summary="Whether an idea's thread is open, how it is moderated, my pseudonym there"
)
async def show_thread(idea_id: FromPath[uuid.UUID], ctx: Ctx) -> ThreadOut:
    """Mode ``off`` while staff have not opened comments."""
    device = device_of(ctx)
    await get_visible_idea(ctx.session, idea_id, device)
    thread = await thread_of(ctx.session, SUBJECT_IDEA, idea_id)
    if thread is None:
        return ThreadOut(mode="off", locked=False, my_pseudonym=None)
    mine = None if device is None else await participant(ctx.session, thread, device)
    return ThreadOut(mode=thread.mode, locked=thread.locked, my_pseudonym=None if mine is None else mine.pseudonym)


@get("/ideas/{idea_id:uuid}/comments", summary="An idea's comments, oldest first (and the caller's own still waiting)")
async def list_comments(
    idea_id: FromPath[uuid.UUID],
    ctx: Ctx,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Response[Page[CommentOut]]:
    """404 while comments are off for the idea."""
    thread = await _comments_of(ctx, idea_id)
    device = device_of(ctx)
    rows, next_cursor = await comment_page(ctx.session, thread, device, cursor=cursor, limit=limit)
    items = [comment_out(c, p, ctx.tenant.name, device) for c, p in rows]
    return Response(Page(items=items, next_cursor=next_cursor), headers=PER_CALLER)


async def _readable_comment(
    ctx: Ctx, comment_id: uuid.UUID, device: uuid.UUID | None
) -> tuple[Comment, Participant | None]:
    """The comment as its idea's comment list shows it to the caller; one 404 whatever hides it."""
    row = await get_comment(ctx.session, comment_id)
    try:
        where = await ctx.session.get(Thread, row.thread_id)
        if where is None or where.subject != SUBJECT_IDEA:
            raise NotFound(detail="comment not found")
        thread = await _comments_of(ctx, where.subject_id)
        return await shown_comment(ctx.session, thread, row.id, device)
    except NotFound:
        # the same answer whatever hides it: nothing told about the idea or the thread
        raise NotFound(detail="comment not found") from None


@get("/comments/{comment_id:uuid}", summary="One comment, if its idea's comment list shows it to the caller")
async def show_comment(comment_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[CommentOut]:
    """A visible comment, or the caller's own still waiting, of a public idea with comments on; else 404."""
    device = device_of(ctx)
    found, author = await _readable_comment(ctx, comment_id, device)
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
    device = the_device(ctx)
    thread = await _comments_of(ctx, idea_id)
    assert ctx.limits is not None  # always set inside a request
    settings = ctx.settings
    await ctx.limits.spend(
        Budget("ideas-comment-device", settings.comments_per_device_hour, HOUR), str(device.device_id)
    )
    await ctx.limits.spend(Budget("ideas-comment-thread", settings.comments_per_thread_minute, MINUTE), str(thread.id))
    author = await join(ctx.session, thread, device.device_id, data.pseudonym, ctx.tenant.name)
    row = await add_comment(ctx.session, thread, author, data.body)
    return comment_out(row, author, ctx.tenant.name, device.device_id)


@post(
    "/comments/{comment_id:uuid}/reports",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Report a comment to the moderators, once per device",
)
async def report_comment(comment_id: FromPath[uuid.UUID], data: JSONBody[ReportIn], ctx: Ctx) -> None:
    """409 when this device reported it already; a comment the caller cannot read (``GET
    /comments/{id}``: an unpublished idea, comments switched off, hidden), or one still waiting
    for moderation, is a 404."""
    device = the_device(ctx).device_id
    row, _ = await _readable_comment(ctx, comment_id, device)
    if row.state != "visible":
        raise NotFound(detail="comment not found")
    await report(ctx.session, row, device, data.reason, data.note)


route_handlers = [show_thread, list_comments, show_comment, post_comment, report_comment]
