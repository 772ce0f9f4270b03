"""Deleting an idea (its photos, files first, thread, history and supports go with it) or a thread."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import record_deletion, utcnow
from stadtkern_ideas.models import (
    RESOURCE_IDEA,
    Comment,
    Idea,
    ModerationEntry,
    Participant,
    StatusChange,
    Support,
    Thread,
)
from stadtkern_ideas.services.dialogue import SUBJECT_IDEA, thread_of
from stadtkern_ideas.services.dialogue_privacy import delete_comments
from stadtkern_ideas.services.photos import delete_photos
from stadtkern_ideas.storage import PhotoStore


async def delete_thread(session: AsyncSession, thread: Thread) -> None:
    """A thread with its comments, their reports, its pseudonyms and its moderation log."""
    bulk = {"synchronize_session": False}
    comments = list(await session.scalars(select(Comment.id).where(Comment.thread_id == thread.id)))
    await delete_comments(session, comments)
    for model in (ModerationEntry, Participant):
        await session.execute(delete(model).where(model.thread_id == thread.id), execution_options=bulk)
    await session.execute(delete(Thread).where(Thread.id == thread.id), execution_options=bulk)


async def delete_idea(session: AsyncSession, store: PhotoStore, row: Idea) -> None:
    """Delete an idea with everything that hangs on it; public ones leave a tombstone for delta sync."""
    # The files go before the transaction commits: a rollback then leaves rows whose photo answers 404,
    # never a photo of a resident who asked for deletion.
    await delete_photos(session, store, [row.id])
    if row.moderation == "accepted":
        await record_deletion(session, RESOURCE_IDEA, str(row.id))
    # Statements in key order, explicitly: SQLite may run without foreign keys to cascade.
    bulk = {"synchronize_session": False}
    thread = await thread_of(session, SUBJECT_IDEA, row.id)
    if thread is not None:
        await delete_thread(session, thread)
    await session.execute(delete(StatusChange).where(StatusChange.idea_id == row.id), execution_options=bulk)
    await session.execute(delete(Support).where(Support.idea_id == row.id), execution_options=bulk)
    unlink = update(Idea).where(Idea.merged_into_id == row.id).values(merged_into_id=None, updated_at=utcnow())
    await session.execute(unlink, execution_options=bulk)
    await session.delete(row)
