"""Rooms, equipment and closures on the wire."""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

import msgspec

from core.api import pick
from schemas import Key, LocalizedText, ShortText
from stadtkern_projektor.models import Closure, Equipment, Room, RoomKind

Clock = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", max_length=5)]
Weekday = Literal["1", "2", "3", "4", "5", "6", "7"]
Moment = Annotated[dt.datetime, msgspec.Meta(tz=True)]


class RoomIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A room or area as staff describe it; ``opening_hours`` maps ISO weekdays to spans."""

    name: LocalizedText
    kind: Literal["room", "area"] = "room"
    description: LocalizedText | None = None
    address: ShortText | None = None
    capacity: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    step_free: bool = False
    accessibility: LocalizedText | None = None
    features: Annotated[list[Key], msgspec.Meta(max_length=50)] = []
    bookable: bool = True
    requires_approval: bool = False
    opening_hours: dict[Weekday, Annotated[list[tuple[Clock, Clock]], msgspec.Meta(max_length=6)]] = {}
    slot_minutes: Annotated[int, msgspec.Meta(ge=5, le=1440)] = 60
    buffer_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 0
    min_notice_minutes: Annotated[int, msgspec.Meta(ge=0, le=43_200)] = 60
    max_days_ahead: Annotated[int, msgspec.Meta(ge=1, le=365)] = 30
    cancel_hours: Annotated[int, msgspec.Meta(ge=0, le=720)] = 24


class RoomOut(msgspec.Struct):
    """A room as residents see it, texts in their language."""

    id: uuid.UUID
    kind: RoomKind
    name: str
    description: str | None
    address: str | None
    capacity: int
    step_free: bool
    accessibility: str | None
    features: list[str]
    bookable: bool
    requires_approval: bool
    opening_hours: dict[str, list[tuple[str, str]]]
    slot_minutes: int
    buffer_minutes: int
    min_notice_minutes: int
    max_days_ahead: int
    cancel_hours: int
    updated_at: dt.datetime


def room_out(row: Room, locales: Sequence[str]) -> RoomOut:
    """The residents' wire form of a room."""
    return RoomOut(
        id=row.id,
        kind=row.kind,
        name=pick(row.name, locales),
        description=pick(row.description, locales),
        address=row.address,
        capacity=row.capacity,
        step_free=row.step_free,
        accessibility=pick(row.accessibility, locales),
        features=list(row.features),
        bookable=row.bookable,
        requires_approval=row.requires_approval,
        opening_hours={k: [(a, b) for a, b in v] for k, v in row.opening_hours.items()},
        slot_minutes=row.slot_minutes,
        buffer_minutes=row.buffer_minutes,
        min_notice_minutes=row.min_notice_minutes,
        max_days_ahead=row.max_days_ahead,
        cancel_hours=row.cancel_hours,
        updated_at=row.updated_at,
    )


class EquipmentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A kind of equipment and how many pieces the lab has."""

    name: LocalizedText
    description: LocalizedText | None = None
    count: Annotated[int, msgspec.Meta(ge=0, le=1000)]
    room_id: uuid.UUID | None = None


class EquipmentOut(msgspec.Struct):
    """Equipment as residents see it."""

    id: uuid.UUID
    name: str
    description: str | None
    count: int
    room_id: uuid.UUID | None
    updated_at: dt.datetime


def equipment_out(row: Equipment, locales: Sequence[str]) -> EquipmentOut:
    """The wire form of equipment."""
    return EquipmentOut(
        id=row.id,
        name=pick(row.name, locales),
        description=pick(row.description, locales),
        count=row.count,
        room_id=row.room_id,
        updated_at=row.updated_at,
    )


class ClosureIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A time the lab (no ``room_id``) or a room is closed."""

    room_id: uuid.UUID | None = None
    starts_at: Moment
    ends_at: Moment
    reason: LocalizedText | None = None


class ClosureOut(msgspec.Struct):
    """A closure."""

    id: uuid.UUID
    room_id: uuid.UUID | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str | None


def closure_out(row: Closure, locales: Sequence[str]) -> ClosureOut:
    """The wire form of a closure."""
    return ClosureOut(
        id=row.id, room_id=row.room_id, starts_at=row.starts_at, ends_at=row.ends_at, reason=pick(row.reason, locales)
    )


class SlotOut(msgspec.Struct):
    """One slot of a room and whether it can still be booked."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    free: bool


class AvailabilityOut(msgspec.Struct):
    """A room's slots over a window, in one answer."""

    room_id: uuid.UUID
    slots: list[SlotOut]
