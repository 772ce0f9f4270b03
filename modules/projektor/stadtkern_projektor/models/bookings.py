"""Bookings of slots and seats, the equipment they use, and each device's counters.

A device books without personal data: the row knows the device id, nothing else, unless a
workshop asks for a participant's name and e-mail (kept for that booking only, then deleted).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.api import TenantOwned

RESOURCE_BOOKING = "projektor.booking"

# A room slot is taken by these (the exclusion rule's WHERE); waiting and offered are seat-only.
SLOT_BLOCKING = ("held", "pending", "confirmed")
# These occupy a seat and count against the device's limit.
ACTIVE = ("held", "pending", "offered", "confirmed")
# Terminal: the row stays for the resident's history and the figures.
FINISHED = ("cancelled", "expired", "declined", "no_show", "left")
STATUSES = (*ACTIVE, "waiting", *FINISHED)
BookingStatus = Literal[
    "held", "pending", "offered", "confirmed", "waiting", "cancelled", "expired", "declined", "no_show", "left"
]
BookingKind = Literal["slot", "seat"]  # a room's time slot, or seats of a workshop session

_LISTED = ", ".join(f"'{s}'" for s in (*ACTIVE, "waiting"))
_ALLOWED = ", ".join(f"'{s}'" for s in STATUSES)


class Booking(TenantOwned):
    """A slot of a room (``kind='slot'``) or a seat of a workshop session (``kind='seat'``)."""

    __tablename__ = "projektor_booking"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'slot' AND room_id IS NOT NULL AND session_id IS NULL AND blocked_until IS NOT NULL)"
            " OR (kind = 'seat' AND session_id IS NOT NULL)",
            name="kind_fields",
        ),
        CheckConstraint(f"status IN ({_ALLOWED})", name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("session_id", "position", name="uq_projektor_booking_position"),
        # One seat or waiting-list place per device and session.
        Index(
            "uq_projektor_booking_device_session",
            "session_id",
            "device_id",
            unique=True,
            postgresql_where=text(f"session_id IS NOT NULL AND status IN ({_LISTED})"),
            sqlite_where=text(f"session_id IS NOT NULL AND status IN ({_LISTED})"),
        ),
        Index("ix_projektor_booking_device", "tenant_id", "device_id", "updated_at"),
        Index("ix_projektor_booking_room", "room_id", "starts_at"),
        Index("ix_projektor_booking_session", "session_id", "status", "position"),
        Index("ix_projektor_booking_expiry", "status", "hold_expires_at"),
    )

    kind: Mapped[BookingKind] = mapped_column(String(10))
    device_id: Mapped[uuid.UUID] = mapped_column(GUID)
    room_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projektor_room.id", ondelete="CASCADE"), nullable=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projektor_session.id", ondelete="CASCADE"), nullable=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    # ends_at plus the room's buffer: the span the overlap rule keeps free of other bookings.
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    status: Mapped[BookingStatus] = mapped_column(String(12))
    hold_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    group_size: Mapped[int] = mapped_column(Integer, default=1)
    participant_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    participant_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    check_in_code: Mapped[str] = mapped_column(String(16))
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    # Whether the seat came from the waiting list (waiting-list conversion in the figures).
    from_waitlist: Mapped[bool] = mapped_column(Boolean, default=False)


class EquipmentUse(TenantOwned):
    """One unit of equipment used by a booking over its span; overlaps per unit are excluded."""

    __tablename__ = "projektor_equipment_use"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("booking_id IS NOT NULL OR session_id IS NOT NULL", name="used_by_something"),
        Index("ix_projektor_equipment_use_unit", "unit_id", "starts_at"),
    )

    # A resident's booking, or a workshop session that uses it for all its seats.
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projektor_booking.id", ondelete="CASCADE"), nullable=True, index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projektor_session.id", ondelete="CASCADE"), nullable=True, index=True
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projektor_equipment_unit.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DeviceQuota(TenantOwned):
    """A device's counters: active bookings (kept within the city's limit by a CHECK) and no-shows."""

    __tablename__ = "projektor_device_quota"
    __table_args__ = (
        UniqueConstraint("tenant_id", "device_id", name="uq_projektor_device_quota_device"),
        CheckConstraint("active >= 0 AND active <= active_limit", name="active_within_limit"),
        CheckConstraint("no_shows >= 0", name="no_shows_not_negative"),
    )

    device_id: Mapped[uuid.UUID] = mapped_column(GUID)
    active: Mapped[int] = mapped_column(Integer, default=0)
    active_limit: Mapped[int] = mapped_column(Integer)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)


class Feed(TenantOwned):
    """A device's secret calendar feed of its bookings: only a keyed hash of the token is kept, so
    the URL cannot be read back from the database; revoking deletes the row."""

    __tablename__ = "projektor_feed"
    __table_args__ = (UniqueConstraint("tenant_id", "device_id", name="uq_projektor_feed_device"),)

    device_id: Mapped[uuid.UUID] = mapped_column(GUID)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
