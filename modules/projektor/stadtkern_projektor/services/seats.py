"""Booking a workshop session's seats: a seat if one is left and nobody waits for it, else a place
on the waiting list (positions handed out under the session's row lock)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, NotFound, utcnow
from stadtkern_projektor.models import Booking, Session, Workshop
from stadtkern_projektor.services.codes import check_in_code
from stadtkern_projektor.services.errors import flush_or_conflict
from stadtkern_projektor.services.holds import expire_due
from stadtkern_projektor.services.ledger import occupy_device, release_device_place
from stadtkern_projektor.services.waitlist import lock_session, promote
from stadtkern_projektor.settings import ProjektorSettings


@dataclass(frozen=True)
class SeatRequest:
    """A resident's wish for a seat: hold it first, or book; join the waiting list when full."""

    hold: bool = False
    wait: bool = False
    participant_name: str | None = None
    participant_email: str | None = None


async def get_workshop(session: AsyncSession, workshop_id: uuid.UUID, *, staff: bool = False) -> Workshop:
    """The city's workshop (unpublished ones only for staff), or 404."""
    row = await session.get(Workshop, workshop_id)
    if row is None or (not row.published and not staff):
        raise NotFound(detail="workshop not found")
    return row


def _check_open(row: Session, workshop: Workshop | None, now: dt.datetime) -> Workshop:
    if workshop is None or not workshop.published:
        raise NotFound(detail="session not found")
    if row.cancelled_at is not None:
        raise Conflict(detail="this session was cancelled")
    if row.starts_at <= now:
        raise Conflict(detail="this session has started")
    return workshop


async def _someone_waits(session: AsyncSession, row: Session) -> bool:
    if row.waitlist_seq == 0:  # nobody ever joined: no query
        return False
    found = await session.scalar(
        select(Booking.id).where(Booking.session_id == row.id, Booking.status == "waiting").limit(1)
    )
    return found is not None


async def _lapsed(session: AsyncSession, session_id: uuid.UUID, now: dt.datetime) -> bool:
    found = await session.scalar(
        select(Booking.id)
        .where(
            Booking.session_id == session_id,
            Booking.status.in_(("held", "offered")),
            Booking.hold_expires_at <= now,
        )
        .limit(1)
    )
    return found is not None


async def book_seat(
    session: AsyncSession,
    settings: ProjektorSettings,
    push: Any,
    session_id: uuid.UUID,
    request: SeatRequest,
    *,
    device_id: uuid.UUID,
    now: dt.datetime,
    tz: ZoneInfo,
) -> Booking:
    """A seat (held, pending or confirmed) or a waiting-list place; 409 when full and not waiting.

    The session's row lock is taken last and held for as few statements as possible: checks, lapsed
    holds and (when a seat looks free) the device's place come first, unlocked."""
    if await _lapsed(session, session_id, now):
        await expire_due(session, settings, push, now, session_id=session_id, tz=tz)
    glance = await session.get(Session, session_id)
    if glance is None:
        raise NotFound(detail="session not found")
    workshop = _check_open(glance, await session.get(Workshop, glance.workshop_id), now)
    booking = Booking(
        kind="seat",
        device_id=device_id,
        session_id=glance.id,
        room_id=None,
        starts_at=glance.starts_at,
        ends_at=glance.ends_at,
        check_in_code=check_in_code(),
        participant_name=request.participant_name,
        participant_email=request.participant_email,
    )
    if glance.seats_taken < glance.seats:
        await occupy_device(session, device_id, settings)
        if await _grab_seat(session, session_id, now):
            return await _seated(session, settings, workshop, booking, request, now)
        await release_device_place(session, device_id)
    return await _locked_path(session, settings, workshop, booking, request, now)


async def _grab_seat(session: AsyncSession, session_id: uuid.UUID, now: dt.datetime) -> bool:
    """One guarded UPDATE takes a free seat if nobody waits: the row lock is held from here to the
    commit only (one INSERT in between), which keeps a hot session fast."""
    someone_waits = select(Booking.id).where(Booking.session_id == session_id, Booking.status == "waiting").exists()
    result: Any = await session.execute(
        update(Session)
        .where(
            Session.id == session_id,
            Session.seats_taken < Session.seats,
            Session.cancelled_at.is_(None),
            Session.starts_at > now,
            ~someone_waits,
        )
        .values(seats_taken=Session.seats_taken + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def _seated(
    session: AsyncSession,
    settings: ProjektorSettings,
    workshop: Workshop,
    booking: Booking,
    request: SeatRequest,
    now: dt.datetime,
) -> Booking:
    booking.status = "held" if request.hold else ("pending" if workshop.requires_approval else "confirmed")
    if request.hold:
        booking.hold_expires_at = now + dt.timedelta(minutes=settings.hold_minutes)
    session.add(booking)
    await flush_or_conflict(session)
    return booking


async def _locked_path(
    session: AsyncSession,
    settings: ProjektorSettings,
    workshop: Workshop,
    booking: Booking,
    request: SeatRequest,
    now: dt.datetime,
) -> Booking:
    """The session looked full: decide under its row lock (a seat freed meanwhile, or the list)."""
    assert booking.session_id is not None
    row = await lock_session(session, booking.session_id)
    _check_open(row, workshop, now)
    if row.seats_taken < row.seats and not await _someone_waits(session, row):
        await occupy_device(session, booking.device_id, settings)
        # The row is locked: the ORM's UPDATE goes out with the INSERT; the CHECK still guards it.
        row.seats_taken += 1
        return await _seated(session, settings, workshop, booking, request, now)
    if not (request.wait and row.waitlist_open):
        raise Conflict(detail="no seat left" + ("" if row.waitlist_open else "; the waiting list is closed"))
    row.waitlist_seq += 1
    booking.status = "waiting"
    booking.position = row.waitlist_seq
    session.add(booking)
    await flush_or_conflict(session)
    return booking


async def seats_left(session: AsyncSession, session_id: uuid.UUID) -> int:
    """Free seats right now (held and offered seats are not free)."""
    row = await session.get(Session, session_id, populate_existing=True)
    return 0 if row is None else row.seats - row.seats_taken


async def refill(
    session: AsyncSession, settings: ProjektorSettings, push: Any, session_id: uuid.UUID, now: dt.datetime, tz: ZoneInfo
) -> None:
    """After a seat was freed: offer it to the waiting list."""
    await promote(session, settings, push, session_id, now, tz)
