"""Residents discuss other modules' items (participation's offers) in the same kind of thread as ideas.

``subject`` is the kind the declaring module names (``participation.offer``); the city must enable
that module, and the item must be one residents may read, or the answer is 404.
"""

from __future__ import annotations

import uuid

from litestar import Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from core.api import DEFAULT_LIMIT, RequestContext, created_resource, require_device
from schemas import Page
from stadtkern_ideas.controllers.threads import comment_list, comment_on, thread_state
from stadtkern_ideas.schemas.dialogue import CommentIn, CommentOut, ThreadOut
from stadtkern_ideas.services.subjects import check_readable
from stadtkern_ideas.settings import IdeasSettings

Ctx = RequestContext[IdeasSettings]
ITEM = "/discussions/{subject:str}/{item_id:uuid}"


@get(ITEM + "/thread", summary="Whether an item's thread (e.g. an offer's) is open, how it is moderated, my pseudonym")
async def show_item_thread(subject: FromPath[str], item_id: FromPath[uuid.UUID], ctx: Ctx) -> ThreadOut:
    """Mode ``off`` while staff have not opened comments; 404 for an item residents cannot read."""
    await check_readable(ctx.session, ctx.tenant, subject, item_id)
    return await thread_state(ctx, subject, item_id)


@get(ITEM + "/comments", summary="An item's comments, oldest first (and the caller's own still waiting)")
async def list_item_comments(
    subject: FromPath[str],
    item_id: FromPath[uuid.UUID],
    ctx: Ctx,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Response[Page[CommentOut]]:
    """404 while comments are off for the item."""
    return await comment_list(ctx, subject, item_id, cursor, limit)


@post(
    ITEM + "/comments",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Comment on an item (e.g. an offer) under the pseudonym the device uses in its thread (rate-limited)",
    opt=created_resource("/ideas/comments/{id}"),
)
async def post_item_comment(
    subject: FromPath[str], item_id: FromPath[uuid.UUID], data: JSONBody[CommentIn], ctx: Ctx
) -> CommentOut:
    """Pre-moderated threads answer with state ``pending``; 409 in a locked thread."""
    return await comment_on(ctx, subject, item_id, data)


route_handlers = [show_item_thread, list_item_comments, post_item_comment]
