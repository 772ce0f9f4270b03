"""Workshops and their sessions on the wire."""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated

import msgspec

from core.api import pick
from schemas import Key, LocalizedText
from stadtkern_projektor.models import Session, Workshop

Moment = Annotated[dt.datetime, msgspec.Meta(tz=True)]


class SessionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One date of a workshop."""

    starts_at: Moment
    ends_at: Moment
    seats: Annotated[int, msgspec.Meta(ge=1, le=10_000)]


class WorkshopIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A workshop as staff describe it, with its sessions (a series has several)."""

    title: LocalizedText
    description: LocalizedText | None = None
    accessibility: LocalizedText | None = None
    room_id: uuid.UUID | None = None
    language: Key = "de"
    age_min: Annotated[int, msgspec.Meta(ge=0, le=120)] | None = None
    age_max: Annotated[int, msgspec.Meta(ge=0, le=120)] | None = None
    event_id: uuid.UUID | None = None
    equipment_id: uuid.UUID | None = None
    equipment_per_seat: Annotated[int, msgspec.Meta(ge=0, le=10)] = 0
    requires_contact: bool = False
    requires_approval: bool = False
    offer_minutes: Annotated[int, msgspec.Meta(ge=1, le=10_080)] = 120
    auto_promote: bool = False
    cancel_hours: Annotated[int, msgspec.Meta(ge=0, le=720)] = 24
    published: bool = True
    sessions: Annotated[list[SessionIn], msgspec.Meta(max_length=100)] = []


class SessionOut(msgspec.Struct):
    """A session with the seats left and how long its waiting list is."""

    id: uuid.UUID
    workshop_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    seats: int
    seats_left: int
    waiting: int
    waitlist_open: bool
    cancelled: bool
    updated_at: dt.datetime


class WorkshopOut(msgspec.Struct):
    """A workshop as residents see it, texts in their language, with its sessions."""

    id: uuid.UUID
    title: str
    description: str | None
    accessibility: str | None
    room_id: uuid.UUID | None
    language: str
    age_min: int | None
    age_max: int | None
    event_id: uuid.UUID | None
    requires_contact: bool
    requires_approval: bool
    offer_minutes: int
    auto_promote: bool
    cancel_hours: int
    published: bool
    sessions: list[SessionOut]
    updated_at: dt.datetime


def session_out(row: Session, waiting: int) -> SessionOut:
    """The wire form of a session (``waiting``: how many are on its list)."""
    return SessionOut(
        id=row.id,
        workshop_id=row.workshop_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        seats=row.seats,
        seats_left=row.seats - row.seats_taken,
        waiting=waiting,
        waitlist_open=row.waitlist_open,
        cancelled=row.cancelled_at is not None,
        updated_at=row.updated_at,
    )


def workshop_out(row: Workshop, sessions: list[SessionOut], locales: Sequence[str]) -> WorkshopOut:
    """The residents' wire form of a workshop."""
    return WorkshopOut(
        id=row.id,
        title=pick(row.title, locales),
        description=pick(row.description, locales),
        accessibility=pick(row.accessibility, locales),
        room_id=row.room_id,
        language=row.language,
        age_min=row.age_min,
        age_max=row.age_max,
        event_id=row.event_id,
        requires_contact=row.requires_contact,
        requires_approval=row.requires_approval,
        offer_minutes=row.offer_minutes,
        auto_promote=row.auto_promote,
        cancel_hours=row.cancel_hours,
        published=row.published,
        sessions=sessions,
        updated_at=row.updated_at,
    )
