"""Reading workshops with their sessions, seats left and waiting-list lengths."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import paginate
from stadtkern_projektor.models import Booking, Session, Workshop
from stadtkern_projektor.schemas.workshops import SessionOut, session_out


async def sessions_of(session: AsyncSession, workshop_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SessionOut]]:
    """Each workshop's sessions in time order, with how many wait for each."""
    if not workshop_ids:
        return {}
    rows = list(
        await session.scalars(
            select(Session).where(Session.workshop_id.in_(workshop_ids)).order_by(Session.starts_at, Session.id)
        )
    )
    waiting = await session.execute(
        select(Booking.session_id, func.count())
        .where(Booking.session_id.in_([r.id for r in rows]), Booking.status == "waiting")
        .group_by(Booking.session_id)
    )
    counts: dict[uuid.UUID | None, int] = {sid: n for sid, n in waiting}
    result: dict[uuid.UUID, list[SessionOut]] = {w: [] for w in workshop_ids}
    for row in rows:
        result[row.workshop_id].append(session_out(row, int(counts.get(row.id, 0))))
    return result


async def workshop_page(
    session: AsyncSession,
    *,
    now: dt.datetime,
    staff: bool,
    cursor: str | None,
    limit: int,
    changed_since: dt.datetime | None = None,
) -> tuple[list[Workshop], str | None]:
    """Workshops with a session still to come (staff: all), one page; with ``changed_since`` only
    those whose texts, sessions or seats (any booking of theirs) changed since then."""
    stmt = select(Workshop)
    if changed_since is not None:
        touched = (
            select(Session.workshop_id)
            .outerjoin(Booking, Booking.session_id == Session.id)
            .where(or_(Session.updated_at > changed_since, Booking.updated_at > changed_since))
        )
        stmt = stmt.where(or_(Workshop.updated_at > changed_since, Workshop.id.in_(touched)))
    if not staff:
        upcoming = select(Session.workshop_id).where(Session.ends_at > now, Session.cancelled_at.is_(None))
        stmt = stmt.where(Workshop.published.is_(True), Workshop.id.in_(upcoming))
    return await paginate(session, stmt, [Workshop.id], cursor=cursor, limit=limit)
