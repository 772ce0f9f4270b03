"""Moderators run an idea's thread: open it, lock it, decide on comments, answer as the city."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy import select

from core.api import DEFAULT_LIMIT, RequestContext, created_resource
from schemas import Page
from stadtkern_ideas.models import Comment, Participant, Thread
from stadtkern_ideas.schemas.dialogue import (
    CommentOut,
    CommentStaffOut,
    LockIn,
    LogEntryOut,
    ModerationIn,
    OfficialIn,
    ThreadIn,
    ThreadOut,
)
from stadtkern_ideas.services.dialogue import SUBJECT_IDEA, get_comment
from stadtkern_ideas.services.dialogue_moderation import comment_queue, moderate
from stadtkern_ideas.settings import IdeasSettings
from stadtkern_ideas.staff.roles import require_moderator, staff_id
from stadtkern_ideas.staff.threads import answer, configure, lock_or_unlock, log_of

Ctx = RequestContext[IdeasSettings]


async def _staff_view(ctx: Ctx, rows: list[Comment]) -> list[CommentStaffOut]:
    thread_ids = {r.thread_id for r in rows}
    people_ids = {r.participant_id for r in rows if r.participant_id is not None}
    threads = {t.id: t for t in await ctx.session.scalars(select(Thread).where(Thread.id.in_(thread_ids)))}
    people = {p.id: p for p in await ctx.session.scalars(select(Participant).where(Participant.id.in_(people_ids)))}
    out = []
    for row in rows:
        author = people.get(row.participant_id) if row.participant_id else None
        thread = threads[row.thread_id]
        out.append(
            CommentStaffOut(
                id=row.id,
                thread_id=thread.id,
                subject=thread.subject,
                subject_id=thread.subject_id,
                author=ctx.tenant.name if row.official or author is None else author.pseudonym,
                official=row.official,
                body=row.body,
                state=row.state,
                reports=row.reports,
                created_at=row.created_at,
            )
        )
    return out


@put(
    "/ideas/{idea_id:uuid}/thread",
    guards=[require_moderator],
    summary="Moderators: open an idea's comments in pre- or post-moderation, or switch them off",
)
async def configure_thread(idea_id: FromPath[uuid.UUID], data: JSONBody[ThreadIn], ctx: Ctx) -> ThreadOut:
    """Comments are off for every idea until a moderator opens them."""
    return await configure(ctx, SUBJECT_IDEA, idea_id, data)


@post(
    "/ideas/{idea_id:uuid}/thread/lock",
    guards=[require_moderator],
    status_code=200,
    summary="Moderators: lock an idea's thread (read-only) or unlock it, with the reason for the log",
)
async def lock_thread(idea_id: FromPath[uuid.UUID], data: JSONBody[LockIn], ctx: Ctx) -> ThreadOut:
    """409 when it is in that state already."""
    return await lock_or_unlock(ctx, SUBJECT_IDEA, idea_id, data)


@post(
    "/ideas/{idea_id:uuid}/answers",
    guards=[require_moderator],
    status_code=HTTP_201_CREATED,
    summary="Moderators: the city's answer in an idea's thread, shown as the city's",
    # a comment of the thread like any other (official, visible at once): read where every comment is
    opt=created_resource("/ideas/comments/{id}"),
)
async def answer_in_thread(idea_id: FromPath[uuid.UUID], data: JSONBody[OfficialIn], ctx: Ctx) -> CommentOut:
    """Visible at once, in a locked thread too."""
    return await answer(ctx, SUBJECT_IDEA, idea_id, data)


@post(
    "/comments/{comment_id:uuid}/moderation",
    guards=[require_moderator],
    status_code=200,
    summary="Moderators: approve or reject a waiting comment, hide or restore one, with the reason for the log",
)
async def moderate_comment(comment_id: FromPath[uuid.UUID], data: JSONBody[ModerationIn], ctx: Ctx) -> CommentStaffOut:
    """409 for an action the comment's state does not allow."""
    row = await get_comment(ctx.session, comment_id)
    await moderate(ctx.session, row, data.action, data.reason, staff_id(ctx))
    return (await _staff_view(ctx, [row]))[0]


@get(
    "/comments/queue",
    guards=[require_moderator],
    summary="Moderators: comments waiting for a decision (pending) or reported by residents (reported)",
)
async def comments_queue(
    ctx: Ctx,
    which: FromQuery[Literal["pending", "reported"]] = "pending",
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Page[CommentStaffOut]:
    """Oldest first."""
    rows, next_cursor = await comment_queue(ctx.session, which, cursor=cursor, limit=limit)
    return Page(items=await _staff_view(ctx, rows), next_cursor=next_cursor)


@get(
    "/ideas/{idea_id:uuid}/thread/log",
    guards=[require_moderator],
    summary="Moderators: the moderation log of an idea's thread, oldest first",
)
async def moderation_log(idea_id: FromPath[uuid.UUID], ctx: Ctx) -> list[LogEntryOut]:
    """Every mode change, lock, approval, rejection, hide and restore with its reason."""
    return await log_of(ctx, SUBJECT_IDEA, idea_id)


route_handlers = [configure_thread, lock_thread, answer_in_thread, moderate_comment, comments_queue, moderation_log]
