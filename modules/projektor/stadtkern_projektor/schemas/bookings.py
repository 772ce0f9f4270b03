"""Bookings on the wire: what a device sends (no personal data unless a workshop needs a
participant's name and e-mail) and what it gets back."""

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from stadtkern_projektor.models import Booking, BookingKind, BookingStatus

Moment = Annotated[dt.datetime, msgspec.Meta(tz=True)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class EquipmentWish(msgspec.Struct, forbid_unknown_fields=True):
    """How many pieces of one kind of equipment a slot booking needs."""

    id: uuid.UUID
    count: Annotated[int, msgspec.Meta(ge=1, le=50)] = 1


class SlotBookingIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A slot of a room: its start (from the availability), how many consecutive slots."""

    starts_at: Moment
    slots: Annotated[int, msgspec.Meta(ge=1, le=12)] = 1
    group_size: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 1
    equipment: Annotated[list[EquipmentWish], msgspec.Meta(max_length=10)] = []


class SeatBookingIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A seat of a session; ``wait``: join the waiting list when it is full."""

    wait: bool = False
    participant_name: Name | None = None
    participant_email: Email | None = None


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Confirming a hold or an offer, with the participant's contact where the workshop needs it."""

    participant_name: Name | None = None
    participant_email: Email | None = None


class BookingOut(msgspec.Struct):
    """A booking as its device sees it."""

    id: uuid.UUID
    kind: BookingKind
    status: BookingStatus
    room_id: uuid.UUID | None
    session_id: uuid.UUID | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    hold_expires_at: dt.datetime | None
    position: int | None
    group_size: int
    check_in_code: str | None
    checked_in_at: dt.datetime | None
    reason: str | None
    participant_name: str | None
    participant_email: str | None
    updated_at: dt.datetime


def booking_out(row: Booking) -> BookingOut:
    """The device's wire form of its booking (the check-in code only while it can be used)."""
    code = row.check_in_code if row.status == "confirmed" else None
    return BookingOut(
        id=row.id,
        kind=row.kind,
        status=row.status,
        room_id=row.room_id,
        session_id=row.session_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        hold_expires_at=row.hold_expires_at,
        position=row.position,
        group_size=row.group_size,
        check_in_code=code,
        checked_in_at=row.checked_in_at,
        reason=row.reason,
        participant_name=row.participant_name,
        participant_email=row.participant_email,
        updated_at=row.updated_at,
    )
