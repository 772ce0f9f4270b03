"""The dialogue as residents take part: a thread per idea, a pseudonym per thread, comments, reports."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, Invalid, NotFound, insert_for, paginate, utcnow
from stadtkern_ideas.models import Comment, CommentReport, Participant, Thread

SUBJECT_IDEA = "idea"
# Names a resident may not take: they would read as the city or its moderators.
_RESERVED = ("stadt", "city", "moderat", "admin", "verwaltung", "official")


async def thread_of(session: AsyncSession, subject: str, subject_id: uuid.UUID) -> Thread | None:
    """The item's thread, if staff ever opened one."""
    stmt = select(Thread).where(Thread.subject == subject, Thread.subject_id == subject_id)
    return (await session.scalars(stmt)).one_or_none()


async def open_thread(session: AsyncSession, subject: str, subject_id: uuid.UUID) -> Thread:
    """The item's thread, open for comments; 404 while comments are off."""
    thread = await thread_of(session, subject, subject_id)
    if thread is None or thread.mode == "off":
        raise NotFound(detail="comments are off for this item")
    return thread


async def participant(session: AsyncSession, thread: Thread, device_id: uuid.UUID) -> Participant | None:
    """The device's pseudonym in the thread, if it commented there."""
    stmt = select(Participant).where(Participant.thread_id == thread.id, Participant.device_id == device_id)
    return (await session.scalars(stmt)).one_or_none()


def _check_pseudonym(pseudonym: str, city: str) -> str:
    name = " ".join(pseudonym.split())
    key = name.casefold()
    if city.casefold() in key or any(word in key for word in _RESERVED):
        raise Invalid("body.pseudonym", "this name reads as the city or its moderators; choose another")
    return name


async def join(
    session: AsyncSession, thread: Thread, device_id: uuid.UUID, pseudonym: str | None, city: str
) -> Participant:
    """The device's participant row: the pseudonym it chose the first time, the same ever after."""
    known = await participant(session, thread, device_id)
    if known is not None:
        if pseudonym is not None and " ".join(pseudonym.split()).casefold() != known.pseudonym_key:
            raise Conflict(detail=f"this device comments as {known.pseudonym!r} in this thread")
        return known
    if pseudonym is None:
        raise Invalid("body.pseudonym", "your first comment in a thread names the pseudonym you use there")
    name = _check_pseudonym(pseudonym, city)
    stmt = (
        insert_for(session, Participant)
        .values(
            id=uuid.uuid4(),
            tenant_id=thread.tenant_id,
            thread_id=thread.id,
            device_id=device_id,
            pseudonym=name,
            pseudonym_key=name.casefold(),
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(Participant.id)
    )
    if (await session.execute(stmt)).first() is None:
        # the name is taken here (or this device joined in a request racing this one)
        again = await participant(session, thread, device_id)
        if again is None:
            raise Conflict(detail="someone in this thread uses this pseudonym already")
        return again
    found = await participant(session, thread, device_id)
    assert found is not None
    return found


async def add_comment(session: AsyncSession, thread: Thread, author: Participant, body: str) -> Comment:
    """A resident's comment: visible at once in post-moderation, waiting for a moderator in pre."""
    if thread.locked:
        raise Conflict(detail="this thread is locked")
    state = "visible" if thread.mode == "post" else "pending"
    row = Comment(thread_id=thread.id, participant_id=author.id, body=body.strip(), state=state, reports=0)
    session.add(row)
    await session.flush()
    return row


def _shown(thread: Thread, device_id: uuid.UUID | None) -> ColumnElement[bool]:
    """What residents see of a thread: its visible comments, and the caller's own waiting ones
    (hidden and rejected comments never, not even to their author)."""
    shown: ColumnElement[bool] = Comment.state == "visible"
    if device_id is not None:
        own = select(Participant.id).where(Participant.thread_id == thread.id, Participant.device_id == device_id)
        shown = or_(shown, (Comment.state == "pending") & Comment.participant_id.in_(own.scalar_subquery()))
    return and_(Comment.thread_id == thread.id, shown)


async def _with_authors(session: AsyncSession, rows: list[Comment]) -> list[tuple[Comment, Participant | None]]:
    ids = {r.participant_id for r in rows if r.participant_id is not None}
    people = {p.id: p for p in await session.scalars(select(Participant).where(Participant.id.in_(ids)))} if ids else {}
    return [(r, people.get(r.participant_id) if r.participant_id else None) for r in rows]


async def comment_page(
    session: AsyncSession, thread: Thread, device_id: uuid.UUID | None, *, cursor: str | None, limit: int
) -> tuple[list[tuple[Comment, Participant | None]], str | None]:
    """Visible comments, and the caller's own waiting ones, oldest first, with their authors."""
    stmt = select(Comment).where(_shown(thread, device_id))
    rows, next_cursor = await paginate(session, stmt, [Comment.id], cursor=cursor, limit=limit)
    return await _with_authors(session, rows), next_cursor


async def shown_comment(
    session: AsyncSession, thread: Thread, comment_id: uuid.UUID, device_id: uuid.UUID | None
) -> tuple[Comment, Participant | None]:
    """One comment of the thread with its author, if :func:`comment_page` shows it to the caller; 404 otherwise."""
    row = (await session.scalars(select(Comment).where(Comment.id == comment_id, _shown(thread, device_id)))).first()
    if row is None:
        raise NotFound(detail="comment not found")
    return (await _with_authors(session, [row]))[0]


async def get_comment(session: AsyncSession, comment_id: uuid.UUID) -> Comment:
    """A comment of the city; 404 otherwise."""
    row = await session.get(Comment, comment_id)
    if row is None:
        raise NotFound(detail="comment not found")
    return row


async def report(session: AsyncSession, row: Comment, device_id: uuid.UUID, reason: str, note: str | None) -> None:
    """A device's report, once per comment (409 the second time); the count tells moderators."""
    stmt = (
        insert_for(session, CommentReport)
        .values(
            id=uuid.uuid4(),
            tenant_id=row.tenant_id,
            comment_id=row.id,
            device_id=device_id,
            reason=reason,
            note=note,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(CommentReport.id)
    )
    if (await session.execute(stmt)).first() is None:
        raise Conflict(detail="this device reported this comment already")
    await session.execute(
        update(Comment)
        .where(Comment.id == row.id)
        .values(reports=Comment.reports + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
