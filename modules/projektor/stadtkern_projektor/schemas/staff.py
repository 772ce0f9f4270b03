"""What staff send and get for decisions, cancellations and the participant list."""

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from stadtkern_projektor.models import Booking, BookingKind, BookingStatus

Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Approve or decline a pending request; a decline carries its reason."""

    approve: bool
    reason: Reason | None = None


class CancelIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Why staff call a session off (sent to everyone booked)."""

    reason: Reason


class CancelOut(msgspec.Struct):
    """How many bookings and waiting-list places a cancellation ended."""

    session_id: uuid.UUID
    ended: int


class StaffBookingOut(msgspec.Struct):
    """A booking as staff see it (the device stays an id; contact only where the workshop asked)."""

    id: uuid.UUID
    kind: BookingKind
    status: BookingStatus
    room_id: uuid.UUID | None
    session_id: uuid.UUID | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    position: int | None
    group_size: int
    participant_name: str | None
    participant_email: str | None
    checked_in_at: dt.datetime | None
    reason: str | None
    created_at: dt.datetime


def staff_booking_out(row: Booking) -> StaffBookingOut:
    """The staff wire form of a booking."""
    return StaffBookingOut(
        id=row.id,
        kind=row.kind,
        status=row.status,
        room_id=row.room_id,
        session_id=row.session_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        position=row.position,
        group_size=row.group_size,
        participant_name=row.participant_name,
        participant_email=row.participant_email,
        checked_in_at=row.checked_in_at,
        reason=row.reason,
        created_at=row.created_at,
    )
