"""Staff decisions on residents' bookings: approve or decline a pending request, cancel a session."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, NotFound
from stadtkern_projektor.models import ACTIVE, Booking, Session
from stadtkern_projektor.services.equipment import release_session
from stadtkern_projektor.services.ledger import move
from stadtkern_projektor.services.notices import tell
from stadtkern_projektor.services.waitlist import promote
from stadtkern_projektor.settings import ProjektorSettings


async def get_booking(session: AsyncSession, booking_id: uuid.UUID) -> Booking:
    """Any booking of the city, locked for the change, or 404."""
    row = await session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(detail="booking not found")
    return row


async def decide(
    session: AsyncSession,
    settings: ProjektorSettings,
    push: Any,
    booking: Booking,
    *,
    approve: bool,
    reason: str | None,
    now: dt.datetime,
    tz: ZoneInfo,
) -> Booking:
    """pending -> confirmed or declined (with the reason); the resident gets a push either way."""
    if booking.status != "pending":
        raise Conflict(detail=f"a booking in status {booking.status!r} awaits no decision")
    booking.reason = reason
    if approve:
        booking.status = "confirmed"
        await session.flush()
        await tell(push, session, booking, "approved")
        return booking
    await move(session, booking, "declined", now=now)
    await tell(push, session, booking, "declined", reason=reason or "-")
    if booking.session_id is not None:
        await promote(session, settings, push, booking.session_id, now, tz)
    return booking


async def cancel_session(session: AsyncSession, push: Any, row: Session, reason: str, now: dt.datetime) -> int:
    """Staff call a session off: every seat and waiting-list place ends with a push, the list closes."""
    if row.cancelled_at is not None:
        raise Conflict(detail="this session is already cancelled")
    row.cancelled_at = now
    row.waitlist_open = False
    await release_session(session, row.id)
    affected = list(
        await session.scalars(
            select(Booking).where(Booking.session_id == row.id, Booking.status.in_((*ACTIVE, "waiting")))
        )
    )
    for booking in affected:
        booking.reason = reason
        await move(session, booking, "cancelled", now=now)
        await tell(push, session, booking, "cancelled_by_lab", reason=reason)
    await session.flush()
    return len(affected)
