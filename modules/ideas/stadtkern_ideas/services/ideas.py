"""Ideas: a device's submission, the public pool with its filters and orders, "my ideas"."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import NotFound, TenantRepository, paginate
from stadtkern_ideas.models import Idea, StatusChange
from stadtkern_ideas.schemas.ideas import IdeaIn


@dataclass(frozen=True, slots=True)
class PoolFilter:
    """What a resident narrows the public pool to (None: every value)."""

    topic: str | None = None
    district: str | None = None
    status: str | None = None
    changed_since: dt.datetime | None = None


def new_idea(data: IdeaIn, *, device_id: uuid.UUID | None, language: str) -> Idea:
    """A row for a (checked) submission: pending until moderation decides."""
    place = data.place
    location = None if place is None else place.location
    return Idea(
        title=data.title.strip(),
        description=data.description.strip(),
        language=language,
        topic=data.topic,
        district=data.district,
        place_name=None if place is None else place.name,
        lat=None if location is None else location.lat,
        lon=None if location is None else location.lon,
        device_id=device_id,
        moderation="pending",
        status="received",
        supporters=0,
    )


async def add_idea(session: AsyncSession, row: Idea) -> Idea:
    """Store a new idea."""
    repo: TenantRepository[Idea] = TenantRepository.for_model(Idea, session)
    added = await repo.add(row)
    await session.flush()
    return added


async def get_idea(session: AsyncSession, idea_id: uuid.UUID) -> Idea:
    """Any idea of the city, public or not (staff, and the submitter's own); 404 otherwise."""
    repo: TenantRepository[Idea] = TenantRepository.for_model(Idea, session)
    row = await repo.get_one_or_none(id=idea_id)
    if row is None:
        raise NotFound(detail="idea not found")
    return row


async def get_visible_idea(session: AsyncSession, idea_id: uuid.UUID, device_id: uuid.UUID | None) -> Idea:
    """An idea as a resident may open it: public or merged, or the calling device's own."""
    row = await get_idea(session, idea_id)
    if row.moderation in ("accepted", "merged") or (device_id is not None and row.device_id == device_id):
        return row
    raise NotFound(detail="idea not found")


def public_ideas(filters: PoolFilter) -> Select[Any]:
    """The accepted ideas, narrowed by the resident's filters."""
    stmt = select(Idea).where(Idea.moderation == "accepted")
    if filters.topic is not None:
        stmt = stmt.where(Idea.topic == filters.topic)
    if filters.district is not None:
        stmt = stmt.where(Idea.district == filters.district)
    if filters.status is not None:
        stmt = stmt.where(Idea.status == filters.status)
    if filters.changed_since is not None:
        stmt = stmt.where(Idea.updated_at > filters.changed_since)
    return stmt


async def pool_page(
    session: AsyncSession, filters: PoolFilter, *, sort: str, cursor: str | None, limit: int
) -> tuple[list[Idea], str | None]:
    """One page of the public pool: newest first, or most supported first (ties: newest)."""
    order = [Idea.published_at, Idea.id] if sort == "newest" else [Idea.supporters, Idea.id]
    return await paginate(session, public_ideas(filters), order, cursor=cursor, limit=limit, descending=True)


async def device_ideas_page(
    session: AsyncSession, device_id: uuid.UUID, *, cursor: str | None, limit: int
) -> tuple[list[Idea], str | None]:
    """The device's own ideas, every moderation state, newest first."""
    stmt = select(Idea).where(Idea.device_id == device_id)
    return await paginate(session, stmt, [Idea.id], cursor=cursor, limit=limit, descending=True)


async def history_of(session: AsyncSession, idea_id: uuid.UUID) -> list[StatusChange]:
    """The idea's status steps, oldest first."""
    stmt = select(StatusChange).where(StatusChange.idea_id == idea_id).order_by(StatusChange.id)
    return list(await session.scalars(stmt))
