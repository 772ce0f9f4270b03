"""The dialogue as moderators run it: open and close threads, lock them, decide on comments, answer
as the city; every action with its reason in the thread's log."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, Invalid, paginate
from stadtkern_ideas.models import Comment, CommentState, ModerationEntry, Thread, ThreadMode
from stadtkern_ideas.services.dialogue import thread_of

# What each action does to a comment: the states it applies to and the state it leaves.
COMMENT_ACTIONS: dict[str, tuple[tuple[str, ...], CommentState]] = {
    "approve": (("pending",), "visible"),
    "reject": (("pending",), "rejected"),
    "hide": (("visible",), "hidden"),
    "restore": (("hidden", "rejected"), "visible"),
}


def _log(
    session: AsyncSession,
    thread: Thread,
    action: str,
    reason: str | None,
    staff_id: uuid.UUID | None,
    comment: Comment | None = None,
) -> None:
    session.add(
        ModerationEntry(
            thread_id=thread.id,
            comment_id=None if comment is None else comment.id,
            action=action,
            reason=reason,
            staff_id=staff_id,
        )
    )


def _need_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise Invalid("body.reason", "the moderation log needs the reason for this")
    return reason.strip()


async def set_mode(
    session: AsyncSession,
    subject: str,
    subject_id: uuid.UUID,
    mode: ThreadMode,
    reason: str | None,
    staff_id: uuid.UUID | None,
) -> Thread:
    """Open the item's thread in pre- or post-moderation, or close it; the first call creates it."""
    thread = await thread_of(session, subject, subject_id)
    if thread is None:
        thread = Thread(subject=subject, subject_id=subject_id, mode="off", locked=False)
        session.add(thread)
        await session.flush()
    if thread.mode != mode:
        thread.mode = mode
        _log(session, thread, f"mode_{mode}", reason, staff_id)
    await session.flush()
    return thread


async def lock(
    session: AsyncSession, thread: Thread, action: str, reason: str | None, staff_id: uuid.UUID | None
) -> None:
    """Lock (read-only) or unlock a thread, with the logged reason."""
    wanted = action == "lock"
    if thread.locked == wanted:
        raise Conflict(detail=f"this thread is {'locked' if wanted else 'not locked'} already")
    thread.locked = wanted
    _log(session, thread, action, _need_reason(reason), staff_id)
    await session.flush()


async def moderate(
    session: AsyncSession, row: Comment, action: str, reason: str | None, staff_id: uuid.UUID | None
) -> None:
    """Approve, reject, hide or restore a comment; all but approve need a reason for the log."""
    allowed, result = COMMENT_ACTIONS[action]
    if row.state not in allowed:
        raise Conflict(detail=f"a {row.state} comment cannot be {action}d")
    logged = (
        reason.strip() if action == "approve" and reason else (None if action == "approve" else _need_reason(reason))
    )
    thread = await session.get(Thread, row.thread_id)
    assert thread is not None
    row.state = result
    _log(session, thread, action, logged, staff_id, row)
    await session.flush()


async def official_answer(session: AsyncSession, thread: Thread, body: str, staff_id: uuid.UUID | None) -> Comment:
    """The city's answer: visible at once (also in a locked thread), marked official."""
    row = Comment(thread_id=thread.id, staff_id=staff_id, official=True, body=body.strip(), state="visible", reports=0)
    session.add(row)
    await session.flush()
    return row


async def comment_queue(
    session: AsyncSession, which: str, *, cursor: str | None, limit: int
) -> tuple[list[Comment], str | None]:
    """Comments waiting for a moderator (``pending``) or reported and still visible (``reported``), oldest first."""
    if which == "pending":
        stmt = select(Comment).where(Comment.state == "pending")
    else:
        stmt = select(Comment).where(Comment.state == "visible", Comment.reports > 0)
    return await paginate(session, stmt, [Comment.id], cursor=cursor, limit=limit)


async def thread_log(session: AsyncSession, thread: Thread) -> list[ModerationEntry]:
    """The thread's moderation log, oldest first."""
    stmt = select(ModerationEntry).where(ModerationEntry.thread_id == thread.id).order_by(ModerationEntry.id)
    return list(await session.scalars(stmt))
