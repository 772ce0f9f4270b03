"""Workshops and their sessions: seats with a counter the database keeps within capacity."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.api import TenantOwned

RESOURCE_WORKSHOP = "projektor.workshop"
RESOURCE_SESSION = "projektor.session"


class Workshop(TenantOwned):
    """A workshop: one session or a series, in a room, with texts in the city's languages."""

    __tablename__ = "projektor_workshop"
    __table_args__ = (
        CheckConstraint("age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name="age_range"),
        CheckConstraint("offer_minutes >= 1", name="offer_minutes_min"),
        CheckConstraint("equipment_per_seat >= 0", name="equipment_per_seat_min"),
    )

    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    accessibility: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    room_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projektor_room.id", ondelete="SET NULL"), nullable=True, index=True
    )
    language: Mapped[str] = mapped_column(String(20), default="de")
    age_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The events calendar entry (modules/events), when the workshop is also announced there.
    event_id: Mapped[uuid.UUID | None] = mapped_column(GUID, nullable=True)
    equipment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projektor_equipment.id", ondelete="SET NULL"), nullable=True
    )
    equipment_per_seat: Mapped[int] = mapped_column(Integer, default=0)
    # A name and an e-mail address for the participant list, kept only for that booking.
    requires_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # A freed seat is offered to the first waiting resident for this long; with auto_promote it is
    # theirs at once (no window).
    offer_minutes: Mapped[int] = mapped_column(Integer, default=120)
    auto_promote: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_hours: Mapped[int] = mapped_column(Integer, default=24)
    published: Mapped[bool] = mapped_column(Boolean, default=True)


class Session(TenantOwned):
    """One date of a workshop. ``seats_taken`` counts held, pending, offered and confirmed seats;
    the CHECK keeps it within ``0..seats`` whatever the code does, and ``waitlist_seq`` hands out
    waiting-list positions under the same row lock."""

    __tablename__ = "projektor_session"
    __table_args__ = (
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="seats_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_projektor_session_start", "tenant_id", "starts_at"),
    )

    workshop_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projektor_workshop.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    seats: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    waitlist_seq: Mapped[int] = mapped_column(Integer, default=0)
    waitlist_open: Mapped[bool] = mapped_column(Boolean, default=True)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
