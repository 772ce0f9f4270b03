"""The waiting list: a freed seat goes to the first waiting resident, as an offer with a window
(push "a seat is free — confirm by …") or, for workshops with ``auto_promote``, at once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import NotFound
from stadtkern_projektor.models import Booking, Session, Workshop
from stadtkern_projektor.services.ledger import release_device_place, take_device_place, take_seat
from stadtkern_projektor.services.notices import tell
from stadtkern_projektor.settings import ProjektorSettings


async def lock_session(session: AsyncSession, session_id: uuid.UUID) -> Session:
    """The workshop session's row, locked for this transaction (PostgreSQL; SQLite has one writer)."""
    stmt = select(Session).where(Session.id == session_id).with_for_update().execution_options(populate_existing=True)
    row: Session | None = await session.scalar(stmt)
    if row is None:
        raise NotFound(detail="session not found")
    return row


async def waiting(session: AsyncSession, session_id: uuid.UUID, limit: int | None = None) -> list[Booking]:
    """The session's waiting list in order."""
    stmt = (
        select(Booking)
        .where(Booking.session_id == session_id, Booking.status == "waiting")
        .order_by(Booking.position)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


def local_moment(moment: dt.datetime, tz: ZoneInfo) -> str:
    """A moment as residents read it: "05.12. 14:30" in the city's time zone."""
    return moment.astimezone(tz).strftime("%d.%m. %H:%M")


async def promote(
    session: AsyncSession,
    settings: ProjektorSettings,
    push: Any,
    session_id: uuid.UUID,
    now: dt.datetime,
    tz: ZoneInfo,
) -> list[Booking]:
    """Hand every free seat of the session to the waiting list, in order; returns who got one.
    Waiting devices already at their limit of active bookings keep their place and are skipped."""
    row = await lock_session(session, session_id)
    if row.cancelled_at is not None or row.starts_at <= now:
        return []
    workshop = await session.get(Workshop, row.workshop_id)
    if workshop is None:
        return []
    promoted: list[Booking] = []
    for entry in await waiting(session, session_id, limit=row.seats):
        if not await take_device_place(session, entry.device_id, settings.device_active_limit):
            continue
        if not await take_seat(session, session_id):
            # No seat after all: give the device place back (the counter is exact again).
            await release_device_place(session, entry.device_id)
            break
        entry.from_waitlist = True
        if workshop.auto_promote:
            entry.status = "pending" if workshop.requires_approval else "confirmed"
            await tell(push, session, entry, "promoted")
        else:
            entry.status = "offered"
            entry.hold_expires_at = now + dt.timedelta(minutes=workshop.offer_minutes)
            await tell(push, session, entry, "offered", until=local_moment(entry.hold_expires_at, tz))
        promoted.append(entry)
    await session.flush()
    return promoted
