"""Tables of projektor: what can be booked (``resources``, ``workshops``) and the bookings (``bookings``).

The rules that must hold under any concurrency live in the database, not only in code: see
``guarantees.py`` for the exclusion constraints (PostgreSQL) and triggers (SQLite), and the CHECK
constraints on the counters here.
"""

from __future__ import annotations

from stadtkern_projektor.models.bookings import (
    ACTIVE,
    SLOT_BLOCKING,
    Booking,
    BookingKind,
    BookingStatus,
    DeviceQuota,
    EquipmentUse,
    Feed,
)
from stadtkern_projektor.models.resources import Closure, Equipment, EquipmentUnit, Room, RoomKind
from stadtkern_projektor.models.workshops import Session, Workshop

MODELS = (Room, Equipment, EquipmentUnit, Closure, Workshop, Session, Booking, EquipmentUse, DeviceQuota, Feed)

__all__ = [
    "ACTIVE",
    "MODELS",
    "SLOT_BLOCKING",
    "Booking",
    "BookingKind",
    "BookingStatus",
    "Closure",
    "DeviceQuota",
    "Equipment",
    "EquipmentUnit",
    "EquipmentUse",
    "Feed",
    "Room",
    "RoomKind",
    "Session",
    "Workshop",
]
