"""What staff do with ideas: decide on pending ones, answer with a status, merge duplicates."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, ModuleKeys, paginate, record_deletion, utcnow
from schemas import LocalizedText
from stadtkern_ideas.models import RESOURCE_IDEA, Idea, IdeaStatus, StatusChange
from stadtkern_ideas.services.notify import DECLINED, MERGED, status_title, tell
from stadtkern_ideas.services.supports import carry_over, supporters_of

# Where an idea may go from each status; an implemented idea is done, a rejected one may be reconsidered.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("under_review", "in_project", "implemented", "not_pursued"),
    "under_review": ("in_project", "implemented", "not_pursued"),
    "in_project": ("implemented", "not_pursued"),
    "implemented": (),
    "not_pursued": ("under_review",),
}


async def queue_page(
    session: AsyncSession, moderation: str, *, cursor: str | None, limit: int
) -> tuple[list[Idea], str | None]:
    """Ideas in one moderation state, oldest first (the queue's order of work)."""
    stmt = select(Idea).where(Idea.moderation == moderation)
    return await paginate(session, stmt, [Idea.id], cursor=cursor, limit=limit)


def _step(row: Idea, staff_id: uuid.UUID | None) -> StatusChange:
    return StatusChange(idea_id=row.id, status=row.status, answer=row.answer, changed_by=staff_id)


async def accept(session: AsyncSession, push: Any, row: Idea, staff_id: uuid.UUID | None) -> None:
    """Make a pending idea public (status "received"), and tell its submitter."""
    if row.moderation != "pending":
        raise Conflict(detail=f"this idea was {row.moderation} already")
    now = utcnow()
    row.moderation, row.moderated_at, row.published_at, row.status = "accepted", now, now, "received"
    session.add(_step(row, staff_id))
    await session.flush()
    await tell(push, row, status_title("received"), [row.device_id])


async def decline(session: AsyncSession, push: Any, row: Idea, reason: str) -> None:
    """Keep a pending idea out of the pool, with the reason its submitter reads."""
    if row.moderation != "pending":
        raise Conflict(detail=f"this idea was {row.moderation} already")
    row.moderation, row.moderated_at, row.decline_reason = "declined", utcnow(), reason
    await session.flush()
    await tell(push, row, DECLINED, [row.device_id])


async def set_status(
    session: AsyncSession,
    push: Any,
    keys: ModuleKeys,
    row: Idea,
    *,
    status: IdeaStatus,
    answer: LocalizedText,
    staff_id: uuid.UUID | None,
) -> None:
    """The city's next step with its public answer; the submitter and every supporter hear of it."""
    if row.moderation != "accepted":
        raise Conflict(detail="only public ideas get a status")
    if status not in TRANSITIONS[row.status]:
        raise Conflict(detail=f"an idea in status {row.status!r} cannot become {status!r}")
    row.status, row.answer = status, dict(answer)
    session.add(_step(row, staff_id))
    await session.flush()
    await tell(push, row, status_title(status), [row.device_id, *await supporters_of(session, keys, row.id)])


async def merge(session: AsyncSession, push: Any, keys: ModuleKeys, row: Idea, target: Idea) -> None:
    """Fold the duplicate ``row`` into ``target``: supports carry over once, the duplicate leaves the pool."""
    if row.id == target.id:
        raise Conflict(detail="an idea cannot be merged into itself")
    if row.moderation not in ("pending", "accepted"):
        raise Conflict(detail=f"a {row.moderation} idea cannot be merged")
    if target.moderation != "accepted":
        raise Conflict(detail="ideas are merged into a public idea")
    supporters = await supporters_of(session, keys, row.id)
    was_public = row.moderation == "accepted"
    await carry_over(session, keys, row.id, target.id)
    # Earlier duplicates of this one now point at the target too (no chains to follow).
    await session.execute(
        update(Idea)
        .where(Idea.merged_into_id == row.id)
        .values(merged_into_id=target.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    row.moderation, row.merged_into_id, row.moderated_at = "merged", target.id, utcnow()
    if was_public:
        await record_deletion(session, RESOURCE_IDEA, str(row.id))
    await session.flush()
    await session.refresh(target)
    await session.refresh(row)
    await tell(push, row, MERGED, [row.device_id, *supporters])
