"""Staff changes: rooms, equipment (one unit row per piece), workshops and their sessions."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, Invalid, NotFound, record_deletion
from stadtkern_projektor.models import Equipment, EquipmentUnit, EquipmentUse, Room, Session, Workshop
from stadtkern_projektor.models.resources import RESOURCE_ROOM
from stadtkern_projektor.schemas.resources import EquipmentIn, RoomIn
from stadtkern_projektor.schemas.workshops import SessionIn, WorkshopIn
from stadtkern_projektor.services.equipment import reserve
from stadtkern_projektor.services.errors import flush_or_conflict
from stadtkern_projektor.services.slots import parse_clock


def apply_room(row: Room, data: RoomIn) -> Room:
    """Write checked input into a room."""
    for index, (day, spans) in enumerate(sorted(data.opening_hours.items())):
        for a, b in spans:
            if parse_clock(b) <= parse_clock(a) and b != "24:00":
                raise Invalid(f"body.opening_hours.{day}", f"span {index}: closes before it opens")
    row.kind = data.kind
    row.name = dict(data.name)
    row.description = dict(data.description) if data.description else None
    row.address = data.address
    row.capacity = data.capacity
    row.step_free = data.step_free
    row.accessibility = dict(data.accessibility) if data.accessibility else None
    row.features = list(data.features)
    row.bookable = data.bookable
    row.requires_approval = data.requires_approval
    row.opening_hours = {k: [[a, b] for a, b in v] for k, v in data.opening_hours.items()}
    row.slot_minutes = data.slot_minutes
    row.buffer_minutes = data.buffer_minutes
    row.min_notice_minutes = data.min_notice_minutes
    row.max_days_ahead = data.max_days_ahead
    row.cancel_hours = data.cancel_hours
    return row


async def remove_room(session: AsyncSession, room: Room) -> None:
    """Delete a room (its bookings go with it) and leave a tombstone."""
    await session.delete(room)
    await record_deletion(session, RESOURCE_ROOM, room.id)
    await session.flush()


async def set_units(session: AsyncSession, equipment: Equipment, count: int) -> None:
    """Make the unit rows match ``count``; a unit in active use cannot go (409)."""
    numbers = list(
        await session.scalars(select(EquipmentUnit.number).where(EquipmentUnit.equipment_id == equipment.id))
    )
    have = max(numbers, default=0)
    for number in range(have + 1, count + 1):
        session.add(EquipmentUnit(equipment_id=equipment.id, number=number))
    if count < have:
        doomed = select(EquipmentUnit.id).where(
            EquipmentUnit.equipment_id == equipment.id, EquipmentUnit.number > count
        )
        in_use = await session.scalar(
            select(func.count()).where(EquipmentUse.unit_id.in_(doomed), EquipmentUse.active.is_(True))
        )
        if in_use:
            raise Conflict(detail=f"{in_use} bookings use the pieces that would go; cancel them first")
        await session.execute(
            delete(EquipmentUnit).where(EquipmentUnit.equipment_id == equipment.id, EquipmentUnit.number > count)
        )
    equipment.count = count
    await session.flush()


async def add_equipment(session: AsyncSession, data: EquipmentIn) -> Equipment:
    """New equipment with its units."""
    if data.room_id is not None and await session.get(Room, data.room_id) is None:
        raise Invalid("body.room_id", "no such room")
    row = Equipment(
        name=dict(data.name),
        description=dict(data.description) if data.description else None,
        count=0,
        room_id=data.room_id,
    )
    session.add(row)
    await session.flush()
    await set_units(session, row, data.count)
    return row


def check_sessions(sessions: list[SessionIn], field: str = "body.sessions") -> None:
    """Every session ends after it starts."""
    bad = [
        (f"{field}[{i}].ends_at", "must be after starts_at") for i, s in enumerate(sessions) if s.ends_at <= s.starts_at
    ]
    if bad:
        raise Invalid.many(bad)


async def apply_workshop(session: AsyncSession, row: Workshop, data: WorkshopIn) -> Workshop:
    """Write checked input into a workshop (its sessions are added separately)."""
    if data.room_id is not None and await session.get(Room, data.room_id) is None:
        raise Invalid("body.room_id", "no such room")
    if data.equipment_id is not None and await session.get(Equipment, data.equipment_id) is None:
        raise Invalid("body.equipment_id", "no such equipment")
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        raise Invalid("body.age_max", "must not be below age_min")
    for name in ("title", "description", "accessibility"):
        value = getattr(data, name)
        setattr(row, name, dict(value) if value else None)
    for name in (
        "room_id",
        "language",
        "age_min",
        "age_max",
        "event_id",
        "equipment_id",
        "equipment_per_seat",
        "requires_contact",
        "requires_approval",
        "offer_minutes",
        "auto_promote",
        "cancel_hours",
        "published",
    ):
        setattr(row, name, getattr(data, name))
    return row


async def add_session(session: AsyncSession, workshop: Workshop, data: SessionIn) -> Session:
    """A new date of the workshop."""
    row = Session(
        workshop_id=workshop.id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        seats=data.seats,
        seats_taken=0,
        waitlist_seq=0,
        waitlist_open=True,
    )
    session.add(row)
    await session.flush()
    if workshop.equipment_id is not None and workshop.equipment_per_seat:
        count = workshop.equipment_per_seat * data.seats
        await reserve(session, workshop.equipment_id, count, data.starts_at, data.ends_at, session_id=row.id)
        await flush_or_conflict(session)
    return row


async def get_session(session: AsyncSession, session_id: uuid.UUID) -> Session:
    """The city's session, or 404."""
    row = await session.get(Session, session_id)
    if row is None:
        raise NotFound(detail="session not found")
    return row
