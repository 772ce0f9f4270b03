"""What moderators do to any thread, an idea's or another module's item's: open, lock, answer, read the log."""

from __future__ import annotations

import uuid

from core.api import RequestContext
from stadtkern_ideas.controllers.threads import comment_out
from stadtkern_ideas.schemas.dialogue import CommentOut, LockIn, LogEntryOut, OfficialIn, ThreadIn, ThreadOut
from stadtkern_ideas.services.dialogue import open_thread, thread_of
from stadtkern_ideas.services.dialogue_moderation import lock, official_answer, set_mode, thread_log
from stadtkern_ideas.services.subjects import check_readable
from stadtkern_ideas.settings import IdeasSettings
from stadtkern_ideas.staff.roles import staff_id

Ctx = RequestContext[IdeasSettings]


async def configure(ctx: Ctx, subject: str, item_id: uuid.UUID, data: ThreadIn) -> ThreadOut:
    """Open the item's comments in pre- or post-moderation, or switch them off; only on a public item."""
    await check_readable(ctx.session, ctx.tenant, subject, item_id)
    thread = await set_mode(ctx.session, subject, item_id, data.mode, data.reason, staff_id(ctx))
    return ThreadOut(mode=thread.mode, locked=thread.locked, my_pseudonym=None)


async def lock_or_unlock(ctx: Ctx, subject: str, item_id: uuid.UUID, data: LockIn) -> ThreadOut:
    """Lock the open thread (read-only) or unlock it; 409 when it is in that state already."""
    thread = await open_thread(ctx.session, subject, item_id)
    await lock(ctx.session, thread, data.action, data.reason, staff_id(ctx))
    return ThreadOut(mode=thread.mode, locked=thread.locked, my_pseudonym=None)


async def answer(ctx: Ctx, subject: str, item_id: uuid.UUID, data: OfficialIn) -> CommentOut:
    """The city's answer in the open thread, visible at once, in a locked thread too."""
    thread = await open_thread(ctx.session, subject, item_id)
    row = await official_answer(ctx.session, thread, data.body, staff_id(ctx))
    return comment_out(row, None, ctx.tenant.name, None)


async def log_of(ctx: Ctx, subject: str, item_id: uuid.UUID) -> list[LogEntryOut]:
    """Every mode change, lock, approval, rejection, hide and restore with its reason, oldest first."""
    thread = await thread_of(ctx.session, subject, item_id)
    if thread is None:
        return []
    return [
        LogEntryOut(action=e.action, comment_id=e.comment_id, reason=e.reason, staff_id=e.staff_id, at=e.created_at)
        for e in await thread_log(ctx.session, thread)
    ]
