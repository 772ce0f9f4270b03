"""Check-in at the lab, no-shows after the grace period, and the reminder before a booking."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, NotFound
from stadtkern_projektor.models import Booking
from stadtkern_projektor.services.ledger import count_no_show, move
from stadtkern_projektor.services.notices import tell
from stadtkern_projektor.services.waitlist import local_moment, promote
from stadtkern_projektor.settings import ProjektorSettings

# A code is accepted from this long before the start until the end of the booking.
EARLY = dt.timedelta(hours=1)


async def check_in(session: AsyncSession, code: str, now: dt.datetime) -> Booking:
    """The confirmed booking whose code staff typed or scanned, marked as arrived."""
    rows = list(
        await session.scalars(
            select(Booking)
            .where(
                Booking.check_in_code == code.strip().upper(),
                Booking.status == "confirmed",
                Booking.starts_at <= now + EARLY,
                Booking.ends_at > now,
            )
            .with_for_update()
        )
    )
    if not rows:
        raise NotFound(detail="no booking with this code now")
    if len(rows) > 1:
        raise Conflict(detail="this code matches several bookings now; check in by the list")
    booking = rows[0]
    if booking.checked_in_at is not None:
        raise Conflict(detail="already checked in")
    booking.checked_in_at = now
    await session.flush()
    return booking


async def mark_no_shows(
    session: AsyncSession, settings: ProjektorSettings, push: Any, now: dt.datetime, tz: ZoneInfo
) -> int:
    """Confirmed bookings not checked in ``no_show_grace_minutes`` after their start: no-show,
    counted against the device; the slot or seat is released (and offered to the waiting list)."""
    late = now - dt.timedelta(minutes=settings.no_show_grace_minutes)
    rows = list(
        await session.scalars(
            select(Booking)
            .where(Booking.status == "confirmed", Booking.checked_in_at.is_(None), Booking.starts_at <= late)
            .with_for_update(skip_locked=True)
        )
    )
    for booking in rows:
        await move(session, booking, "no_show", now=now)
        await count_no_show(session, booking.device_id)
        if booking.session_id is not None and booking.ends_at > now:
            await promote(session, settings, push, booking.session_id, now, tz)
    return len(rows)


async def send_reminders(
    session: AsyncSession, settings: ProjektorSettings, push: Any, now: dt.datetime, tz: ZoneInfo
) -> int:
    """One reminder per confirmed booking starting within ``reminder_hours``; rows are claimed
    (SKIP LOCKED on PostgreSQL) so two workers never remind twice."""
    rows = list(
        await session.scalars(
            select(Booking)
            .where(
                Booking.status == "confirmed",
                Booking.reminded_at.is_(None),
                Booking.starts_at > now,
                Booking.starts_at <= now + dt.timedelta(hours=settings.reminder_hours),
            )
            .order_by(Booking.starts_at)
            .limit(500)
            .with_for_update(skip_locked=True)
        )
    )
    for booking in rows:
        booking.reminded_at = now
        await tell(
            push, session, booking, "reminder", start=local_moment(booking.starts_at, tz), code=booking.check_in_code
        )
    await session.flush()
    return len(rows)
