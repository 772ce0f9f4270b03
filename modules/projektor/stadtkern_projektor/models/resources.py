"""Rooms and areas, the equipment of the lab, and closures (holidays, maintenance)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import TenantOwned

RESOURCE_ROOM = "projektor.room"
RESOURCE_EQUIPMENT = "projektor.equipment"
RESOURCE_CLOSURE = "projektor.closure"


RoomKind = Literal["room", "area"]


class Room(TenantOwned):
    """A room or an area of the lab, bookable by slot when it has opening hours.

    ``opening_hours`` maps ISO weekdays ("1" Monday … "7" Sunday) to ``[["09:00", "18:00"], …]`` in
    the city's time zone. Slots start at each opening and follow every ``slot_minutes`` plus
    ``buffer_minutes`` (the buffer is also part of the database's overlap rule).
    """

    __tablename__ = "projektor_room"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("slot_minutes >= 5", name="slot_minutes_min"),
        CheckConstraint("buffer_minutes >= 0", name="buffer_minutes_min"),
    )

    kind: Mapped[RoomKind] = mapped_column(String(10), default="room")
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    capacity: Mapped[int] = mapped_column(Integer)
    step_free: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    bookable: Mapped[bool] = mapped_column(Boolean, default=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=60)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=30)
    cancel_hours: Mapped[int] = mapped_column(Integer, default=24)


class Equipment(TenantOwned):
    """A kind of device the lab lends (3D printer, VR set, sensor kit); one unit row per piece."""

    __tablename__ = "projektor_equipment"
    __table_args__ = (CheckConstraint("count >= 0", name="count_not_negative"),)

    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    count: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projektor_room.id", ondelete="SET NULL"), nullable=True, index=True
    )


class EquipmentUnit(TenantOwned):
    """One piece of equipment. Overlapping uses of one unit are excluded by the database, so the
    number in use at any moment can never exceed the number of units."""

    __tablename__ = "projektor_equipment_unit"
    __table_args__ = (
        UniqueConstraint("equipment_id", "number", name="uq_projektor_equipment_unit_number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    equipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projektor_equipment.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)


class Closure(TenantOwned):
    """A time the lab (``room_id`` NULL) or one room cannot be booked: holidays, maintenance."""

    __tablename__ = "projektor_closure"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_projektor_closure_span", "tenant_id", "starts_at", "ends_at"),
    )

    room_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projektor_room.id", ondelete="CASCADE"), nullable=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    reason: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
