"""Holds and offers that ran out: expired in the transaction that needs the slot (so a lapsed hold
never blocks a booking) and by the ``release-holds`` job; a freed seat goes to the waiting list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stadtkern_projektor.models import Booking
from stadtkern_projektor.services.ledger import move
from stadtkern_projektor.services.waitlist import promote
from stadtkern_projektor.settings import ProjektorSettings

UTC = ZoneInfo("UTC")


async def expire_due(
    session: AsyncSession,
    settings: ProjektorSettings,
    push: Any,
    now: dt.datetime,
    *,
    room_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
    tz: ZoneInfo = UTC,
) -> int:
    """Expire lapsed holds and offers (of one room or session, or all); returns how many."""
    stmt = select(Booking).where(Booking.status.in_(("held", "offered")), Booking.hold_expires_at <= now)
    if room_id is not None:
        stmt = stmt.where(Booking.room_id == room_id)
    if session_id is not None:
        stmt = stmt.where(Booking.session_id == session_id)
    lapsed = list(await session.scalars(stmt.with_for_update()))
    freed: set[uuid.UUID] = set()
    for booking in lapsed:
        await move(session, booking, "expired", now=now)
        if booking.session_id is not None:
            freed.add(booking.session_id)
    if push is not None:
        for sid in sorted(freed):
            await promote(session, settings, push, sid, now, tz)
    return len(lapsed)
