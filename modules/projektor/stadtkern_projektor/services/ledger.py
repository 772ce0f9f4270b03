"""Every change of a booking's status goes through ``move``, which keeps the counters in step:
the session's ``seats_taken`` and the device's ``active`` (both bounded by CHECK constraints).

Counters change with guarded ``UPDATE … WHERE counter < bound``: the row lock (PostgreSQL) or the
single writer (SQLite) serialises concurrent bookings, and the CHECK catches any path that would
still overshoot.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, city_of, insert_for, utcnow
from stadtkern_projektor.models import ACTIVE, Booking, BookingStatus, DeviceQuota, EquipmentUse, Session
from stadtkern_projektor.settings import ProjektorSettings

_QUIET: dict[str, Any] = {"synchronize_session": False}


async def quota_of(session: AsyncSession, device_id: uuid.UUID) -> DeviceQuota | None:
    """The device's counters, if it ever booked here."""
    found: DeviceQuota | None = await session.scalar(select(DeviceQuota).where(DeviceQuota.device_id == device_id))
    return found


async def take_device_place(session: AsyncSession, device_id: uuid.UUID, limit: int, no_show_limit: int = 0) -> bool:
    """One more active booking for the device, if it is below ``limit`` (and, with a
    ``no_show_limit``, below that many no-shows): one statement, the device's row locked by it."""
    now = utcnow()
    table = DeviceQuota.__table__
    stmt = insert_for(session, DeviceQuota).values(
        id=uuid.uuid4(),
        tenant_id=city_of(session),
        device_id=device_id,
        active=1,
        active_limit=limit,
        no_shows=0,
        created_at=now,
        updated_at=now,
    )
    allowed = table.c.active < limit
    if no_show_limit:
        allowed = allowed & (table.c.no_shows < no_show_limit)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "device_id"],
        set_={"active": table.c.active + 1, "active_limit": limit, "updated_at": now},
        where=allowed,
    )
    result: Any = await session.execute(stmt)
    return bool(result.rowcount)


async def release_device_place(session: AsyncSession, device_id: uuid.UUID) -> None:
    """One active booking fewer for the device."""
    await session.execute(
        update(DeviceQuota)
        .where(DeviceQuota.device_id == device_id, DeviceQuota.active > 0)
        .values(active=DeviceQuota.active - 1, updated_at=utcnow())
        .execution_options(**_QUIET)
    )


async def count_no_show(session: AsyncSession, device_id: uuid.UUID) -> None:
    """A no-show against the device's record."""
    await session.execute(
        update(DeviceQuota)
        .where(DeviceQuota.device_id == device_id)
        .values(no_shows=DeviceQuota.no_shows + 1, updated_at=utcnow())
        .execution_options(**_QUIET)
    )


async def take_seat(session: AsyncSession, session_id: uuid.UUID) -> bool:
    """One more taken seat, if one is left."""
    result: Any = await session.execute(
        update(Session)
        .where(Session.id == session_id, Session.seats_taken < Session.seats)
        .values(seats_taken=Session.seats_taken + 1, updated_at=utcnow())
        .execution_options(**_QUIET)
    )
    return bool(result.rowcount)


async def release_seat(session: AsyncSession, session_id: uuid.UUID) -> None:
    """One taken seat fewer."""
    await session.execute(
        update(Session)
        .where(Session.id == session_id, Session.seats_taken > 0)
        .values(seats_taken=Session.seats_taken - 1, updated_at=utcnow())
        .execution_options(**_QUIET)
    )


async def occupy_device(session: AsyncSession, device_id: uuid.UUID, settings: ProjektorSettings) -> None:
    """Count one more active booking of the device; 409 at its limit or past the no-show limit."""
    if await take_device_place(session, device_id, settings.device_active_limit, settings.device_no_show_limit):
        return
    quota = await quota_of(session, device_id)
    if quota is not None and settings.device_no_show_limit and quota.no_shows >= settings.device_no_show_limit:
        raise Conflict(detail=f"this device missed {quota.no_shows} bookings without cancelling; it cannot book more")
    raise Conflict(detail=f"this device already has {settings.device_active_limit} active bookings")


async def move(
    session: AsyncSession, booking: Booking, status: BookingStatus, *, now: dt.datetime | None = None
) -> None:
    """Set a booking's status; leaving the active states gives back its seat, device place and
    equipment. Callers that free a seat then offer it to the waiting list (``waitlist.promote``)."""
    was_active = booking.status in ACTIVE
    booking.status = status
    if status not in ACTIVE and status != "waiting":
        booking.finished_at = now or utcnow()
        booking.hold_expires_at = None
    if was_active and status not in ACTIVE:
        await release_device_place(session, booking.device_id)
        if booking.session_id is not None:
            await release_seat(session, booking.session_id)
        await session.execute(
            update(EquipmentUse)
            .where(EquipmentUse.booking_id == booking.id)
            .values(active=False, updated_at=utcnow())
            .execution_options(**_QUIET)
        )
    await session.flush()
