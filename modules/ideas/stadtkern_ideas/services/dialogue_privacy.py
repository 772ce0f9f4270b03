"""A device's part of the dialogue: its pseudonyms, comments and reports, to export and to delete."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stadtkern_ideas.models import Comment, CommentReport, ModerationEntry, Participant, Thread
from stadtkern_ideas.schemas.privacy import MyComment, MyReport

# Statements, not ORM deletes: the rows go in key order, whatever the session has loaded.
_BULK = {"synchronize_session": False}


async def device_comments(session: AsyncSession, device_id: uuid.UUID) -> list[MyComment]:
    """Every comment the device wrote, in every state, oldest first."""
    stmt = (
        select(Comment, Participant, Thread)
        .join(Participant, Participant.id == Comment.participant_id)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Participant.device_id == device_id)
        .order_by(Comment.id)
    )
    return [
        MyComment(
            id=c.id,
            subject=t.subject,
            subject_id=t.subject_id,
            pseudonym=p.pseudonym,
            body=c.body,
            state=c.state,
            created_at=c.created_at,
        )
        for c, p, t in (await session.execute(stmt)).all()
    ]


async def device_reports(session: AsyncSession, device_id: uuid.UUID) -> list[MyReport]:
    """The device's reports, oldest first."""
    stmt = select(CommentReport).where(CommentReport.device_id == device_id).order_by(CommentReport.id)
    return [
        MyReport(comment_id=r.comment_id, reason=r.reason, note=r.note, created_at=r.created_at)
        for r in await session.scalars(stmt)
    ]


async def forget_dialogue(session: AsyncSession, device_id: uuid.UUID) -> None:
    """Delete the device's reports, comments (and the reports others made of them) and pseudonyms.

    The moderation log keeps its lines (what moderators did stays accountable) without the comment.
    """
    await session.execute(delete(CommentReport).where(CommentReport.device_id == device_id), execution_options=_BULK)
    people = list(await session.scalars(select(Participant.id).where(Participant.device_id == device_id)))
    if people:
        comments = list(await session.scalars(select(Comment.id).where(Comment.participant_id.in_(people))))
        await delete_comments(session, comments)
        await session.execute(delete(Participant).where(Participant.id.in_(people)), execution_options=_BULK)


async def delete_comments(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    """Delete comments with the reports of them, unlinking their log lines (in the order the keys need)."""
    if not ids:
        return
    unlink = update(ModerationEntry).where(ModerationEntry.comment_id.in_(ids)).values(comment_id=None)
    await session.execute(unlink, execution_options=_BULK)
    await session.execute(delete(CommentReport).where(CommentReport.comment_id.in_(ids)), execution_options=_BULK)
    await session.execute(delete(Comment).where(Comment.id.in_(ids)), execution_options=_BULK)
