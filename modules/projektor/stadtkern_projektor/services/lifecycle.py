"""A resident's own booking after it exists: confirm a hold or an offer, cancel, leave the list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, Invalid, NotFound
from stadtkern_projektor.models import ACTIVE, Booking, Room, Workshop
from stadtkern_projektor.models import Session as WorkshopSession
from stadtkern_projektor.services.ledger import move
from stadtkern_projektor.services.waitlist import promote
from stadtkern_projektor.settings import ProjektorSettings


async def own_booking(session: AsyncSession, booking_id: uuid.UUID, device_id: uuid.UUID) -> Booking:
    """The device's booking; another device's is 404 (it does not exist for this caller)."""
    row = await session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
    if row is None or row.device_id != device_id:
        raise NotFound(detail="booking not found")
    return row


async def workshop_of(session: AsyncSession, booking: Booking) -> Workshop | None:
    """The workshop a seat booking belongs to."""
    if booking.session_id is None:
        return None
    sess = await session.get(WorkshopSession, booking.session_id)
    return None if sess is None else await session.get(Workshop, sess.workshop_id)


def check_contact(workshop: Workshop | None, name: str | None, email: str | None) -> None:
    """A workshop that keeps a participant list needs a name and an e-mail address."""
    if workshop is None or not workshop.requires_contact:
        return
    missing = [
        (f"body.{f}", "this workshop needs it for its participant list")
        for f, v in (("participant_name", name), ("participant_email", email))
        if not v
    ]
    if missing:
        raise Invalid.many(missing)


async def confirm(
    session: AsyncSession, booking: Booking, *, name: str | None, email: str | None, now: dt.datetime
) -> Booking:
    """A held slot or seat, or an offered seat, becomes a booking (pending where staff approve)."""
    if booking.status not in ("held", "offered"):
        raise Conflict(detail=f"a booking in status {booking.status!r} cannot be confirmed")
    if booking.hold_expires_at is not None and booking.hold_expires_at <= now:
        raise Conflict(detail="the hold has run out")
    workshop = await workshop_of(session, booking)
    check_contact(workshop, name or booking.participant_name, email or booking.participant_email)
    booking.participant_name = name or booking.participant_name
    booking.participant_email = email or booking.participant_email
    if workshop is not None:
        approval = workshop.requires_approval
    else:
        room = await session.get(Room, booking.room_id)
        approval = room is not None and room.requires_approval
    booking.status = "pending" if approval else "confirmed"
    booking.hold_expires_at = None
    await session.flush()
    return booking


async def cancel_deadline(session: AsyncSession, booking: Booking) -> dt.datetime:
    """Until when the resident may cancel: the resource's hours before the start."""
    workshop = await workshop_of(session, booking)
    if workshop is not None:
        hours = workshop.cancel_hours
    else:
        room = await session.get(Room, booking.room_id)
        hours = room.cancel_hours if room is not None else 0
    return booking.starts_at - dt.timedelta(hours=hours)


async def cancel(
    session: AsyncSession,
    settings: ProjektorSettings,
    push: Any,
    booking: Booking,
    *,
    now: dt.datetime,
    tz: ZoneInfo,
) -> Booking:
    """Cancel (or leave the waiting list); a freed seat goes to the next waiting resident."""
    if booking.status == "waiting":
        await move(session, booking, "left", now=now)
        return booking
    if booking.status not in ACTIVE:
        raise Conflict(detail=f"a booking in status {booking.status!r} cannot be cancelled")
    if booking.status == "confirmed" and now > await cancel_deadline(session, booking):
        raise Conflict(detail="the deadline for cancelling has passed")
    await move(session, booking, "cancelled", now=now)
    if booking.session_id is not None:
        await promote(session, settings, push, booking.session_id, now, tz)
    return booking
