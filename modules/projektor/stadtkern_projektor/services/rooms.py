"""Booking a room's slots: the grid check, equipment units, and the insert the database guards."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, Invalid, NotFound
from stadtkern_projektor.models import SLOT_BLOCKING, Booking, Closure, Equipment, Room
from stadtkern_projektor.services.codes import check_in_code
from stadtkern_projektor.services.equipment import reserve
from stadtkern_projektor.services.errors import flush_or_conflict
from stadtkern_projektor.services.holds import expire_due
from stadtkern_projektor.services.ledger import occupy_device
from stadtkern_projektor.services.slots import Slot, bookable_window, find_slot, overlaps
from stadtkern_projektor.settings import ProjektorSettings


@dataclass(frozen=True)
class SlotRequest:
    """What a resident asks for: a start on the grid, how many consecutive slots, equipment."""

    starts_at: dt.datetime
    slots: int = 1
    group_size: int = 1
    equipment: Sequence[tuple[uuid.UUID, int]] = ()


async def get_room(session: AsyncSession, room_id: uuid.UUID) -> Room:
    """The city's room, or 404."""
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound(detail="room not found")
    return room


async def closures_over(
    session: AsyncSession, room_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Closures of the room or of the whole lab that touch [start, end)."""
    rows = await session.scalars(
        select(Closure).where(
            or_(Closure.room_id.is_(None), Closure.room_id == room_id),
            Closure.starts_at < end,
            Closure.ends_at > start,
        )
    )
    return [(c.starts_at, c.ends_at) for c in rows]


async def taken_over(
    session: AsyncSession, room_id: uuid.UUID, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Spans (with buffer) of the room's bookings that touch [start, end); lapsed holds are free."""
    live_hold = or_(Booking.status != "held", Booking.hold_expires_at > now)
    rows = await session.execute(
        select(Booking.starts_at, Booking.blocked_until).where(
            Booking.room_id == room_id,
            Booking.status.in_(SLOT_BLOCKING),
            live_hold,
            Booking.starts_at < end,
            Booking.blocked_until > start,
        )
    )
    return [(s, b) for s, b in rows if b is not None]


def _check_slot(room: Room, request: SlotRequest, tz: ZoneInfo, now: dt.datetime) -> Slot:
    if not room.bookable:
        raise Conflict(detail="this room is not bookable by slot")
    if request.group_size > room.capacity:
        raise Invalid("body.group_size", f"the room holds at most {room.capacity} people")
    slot = find_slot(room, request.starts_at, tz, request.slots)
    if slot is None:
        raise Invalid("body.starts_at", "not the start of a slot of this room (see its availability)")
    earliest, latest = bookable_window(room, now)
    if slot.starts_at < earliest:
        raise Invalid("body.starts_at", f"book at least {room.min_notice_minutes} minutes ahead")
    if slot.starts_at > latest:
        raise Invalid("body.starts_at", f"book at most {room.max_days_ahead} days ahead")
    return slot


async def _use_equipment(session: AsyncSession, booking: Booking, wanted: Sequence[tuple[uuid.UUID, int]]) -> None:
    for index, (equipment_id, count) in enumerate(wanted):
        if await session.get(Equipment, equipment_id) is None:
            raise Invalid(f"body.equipment[{index}].id", "no such equipment")
        await reserve(session, equipment_id, count, booking.starts_at, booking.ends_at, booking_id=booking.id)


async def book_slot(
    session: AsyncSession,
    settings: ProjektorSettings,
    room: Room,
    request: SlotRequest,
    *,
    device_id: uuid.UUID,
    tz: ZoneInfo,
    now: dt.datetime,
    hold: bool,
) -> Booking:
    """Hold (``hold=True``) or book a slot; the overlap rule in the database decides races (409)."""
    slot = _check_slot(room, request, tz, now)
    closed = await closures_over(session, room.id, slot.starts_at, slot.ends_at)
    if any(overlaps(slot.starts_at, slot.ends_at, a, b) for a, b in closed):
        raise Conflict(detail="the lab is closed then")
    await expire_due(session, settings, None, now, room_id=room.id)
    status = "held" if hold else ("pending" if room.requires_approval else "confirmed")
    booking = Booking(
        kind="slot",
        device_id=device_id,
        room_id=room.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        blocked_until=slot.blocked_until,
        status=status,
        hold_expires_at=now + dt.timedelta(minutes=settings.hold_minutes) if hold else None,
        group_size=request.group_size,
        check_in_code=check_in_code(),
    )
    await occupy_device(session, device_id, settings)
    session.add(booking)
    await flush_or_conflict(session)
    await _use_equipment(session, booking, request.equipment)
    await flush_or_conflict(session)
    return booking
