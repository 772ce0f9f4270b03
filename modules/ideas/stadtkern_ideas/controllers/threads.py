"""What the routes of every thread share, an idea's or another module's item's: read, list, comment.

The idea routes (``dialogue``) and the item routes (``discussions``) differ only in how they name
the thread's subject; the rules (comments off until staff open them, a pseudonym per thread, the
rate limits, what the caller sees) are written once, here.
"""

from __future__ import annotations

import uuid

from litestar import Response

from core.api import Budget, NotFound, RequestContext
from schemas import Page
from stadtkern_ideas.controllers.common import device_of, the_device
from stadtkern_ideas.models import Comment, Participant, Thread
from stadtkern_ideas.schemas.dialogue import CommentIn, CommentOut, ThreadOut
from stadtkern_ideas.services.dialogue import (
    add_comment,
    comment_page,
    get_comment,
    join,
    open_thread,
    participant,
    shown_comment,
    thread_of,
)
from stadtkern_ideas.services.subjects import check_readable
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


async def comments_of(ctx: Ctx, subject: str, item_id: uuid.UUID) -> Thread:
    """Where residents read and write comments: the thread of a public item, comments on; 404 otherwise."""
    await check_readable(ctx.session, ctx.tenant, subject, item_id)
    return await open_thread(ctx.session, subject, item_id)


async def thread_state(ctx: Ctx, subject: str, item_id: uuid.UUID) -> ThreadOut:
    """The thread's mode (``off`` while staff have not opened it), lock and the caller's pseudonym."""
    device = device_of(ctx)
    thread = await thread_of(ctx.session, subject, item_id)
    if thread is None:
        return ThreadOut(mode="off", locked=False, my_pseudonym=None)
    mine = None if device is None else await participant(ctx.session, thread, device)
    return ThreadOut(mode=thread.mode, locked=thread.locked, my_pseudonym=None if mine is None else mine.pseudonym)


async def comment_list(
    ctx: Ctx, subject: str, item_id: uuid.UUID, cursor: str | None, limit: int
) -> Response[Page[CommentOut]]:
    """Visible comments oldest first, and the caller's own still waiting; 404 while comments are off."""
    thread = await comments_of(ctx, subject, item_id)
    device = device_of(ctx)
    rows, next_cursor = await comment_page(ctx.session, thread, device, cursor=cursor, limit=limit)
    items = [comment_out(c, p, ctx.tenant.name, device) for c, p in rows]
    return Response(Page(items=items, next_cursor=next_cursor), headers=PER_CALLER)


async def comment_on(ctx: Ctx, subject: str, item_id: uuid.UUID, data: CommentIn) -> CommentOut:
    """A device's comment under its pseudonym of the thread, within the device's and the thread's budget."""
    device = the_device(ctx)
    thread = await comments_of(ctx, subject, item_id)
    assert ctx.limits is not None  # always set inside a request
    settings = ctx.settings
    await ctx.limits.spend(
        Budget("ideas-comment-device", settings.comments_per_device_hour, HOUR), str(device.device_id)
    )
    await ctx.limits.spend(Budget("ideas-comment-thread", settings.comments_per_thread_minute, MINUTE), str(thread.id))
    author = await join(ctx.session, thread, device.device_id, data.pseudonym, ctx.tenant.name)
    row = await add_comment(ctx.session, thread, author, data.body)
    return comment_out(row, author, ctx.tenant.name, device.device_id)


async def readable_comment(
    ctx: Ctx, comment_id: uuid.UUID, device: uuid.UUID | None
) -> tuple[Comment, Participant | None]:
    """The comment as its thread's comment list shows it to the caller; one 404 whatever hides it."""
    row = await get_comment(ctx.session, comment_id)
    try:
        where = await ctx.session.get(Thread, row.thread_id)
        if where is None:
            raise NotFound(detail="comment not found")
        thread = await comments_of(ctx, where.subject, where.subject_id)
        return await shown_comment(ctx.session, thread, row.id, device)
    except NotFound:
        # the same answer whatever hides it: nothing told about the item or the thread
        raise NotFound(detail="comment not found") from None
