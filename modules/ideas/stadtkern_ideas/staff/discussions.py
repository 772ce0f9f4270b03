"""Moderators run the threads on other modules' items (participation's offers) as they run ideas'."""

from __future__ import annotations

import uuid

from litestar import get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from core.api import RequestContext, created_resource
from stadtkern_ideas.schemas.dialogue import CommentOut, LockIn, LogEntryOut, OfficialIn, ThreadIn, ThreadOut
from stadtkern_ideas.settings import IdeasSettings
from stadtkern_ideas.staff.roles import require_moderator
from stadtkern_ideas.staff.threads import answer, configure, lock_or_unlock, log_of

Ctx = RequestContext[IdeasSettings]
ITEM = "/discussions/{subject:str}/{item_id:uuid}"


@put(
    ITEM + "/thread",
    guards=[require_moderator],
    summary="Moderators: open an item's comments (e.g. an offer's) in pre- or post-moderation, or switch them off",
)
async def configure_item_thread(
    subject: FromPath[str], item_id: FromPath[uuid.UUID], data: JSONBody[ThreadIn], ctx: Ctx
) -> ThreadOut:
    """Comments are off for every item until a moderator opens them; 404 for an item residents cannot read."""
    return await configure(ctx, subject, item_id, data)


@post(
    ITEM + "/thread/lock",
    guards=[require_moderator],
    status_code=200,
    summary="Moderators: lock an item's thread (read-only) or unlock it, with the reason for the log",
)
async def lock_item_thread(
    subject: FromPath[str], item_id: FromPath[uuid.UUID], data: JSONBody[LockIn], ctx: Ctx
) -> ThreadOut:
    """409 when it is in that state already."""
    return await lock_or_unlock(ctx, subject, item_id, data)


@post(
    ITEM + "/answers",
    guards=[require_moderator],
    status_code=HTTP_201_CREATED,
    summary="Moderators: the city's answer in an item's thread, shown as the city's",
    opt=created_resource("/ideas/comments/{id}"),
)
async def answer_in_item_thread(
    subject: FromPath[str], item_id: FromPath[uuid.UUID], data: JSONBody[OfficialIn], ctx: Ctx
) -> CommentOut:
    """Visible at once, in a locked thread too."""
    return await answer(ctx, subject, item_id, data)


@get(
    ITEM + "/thread/log",
    guards=[require_moderator],
    summary="Moderators: the moderation log of an item's thread, oldest first",
)
async def item_moderation_log(subject: FromPath[str], item_id: FromPath[uuid.UUID], ctx: Ctx) -> list[LogEntryOut]:
    """Every mode change, lock, approval, rejection, hide and restore with its reason."""
    return await log_of(ctx, subject, item_id)


route_handlers = [configure_item_thread, lock_item_thread, answer_in_item_thread, item_moderation_log]
