"""Wire shapes of the events API (schema.org Event in spirit, snake_case on the wire)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec

from schemas import Key, LocalizedText, MomentText
from stadtkern_events.models import Accessibility, AttendanceMode, FeedNoteKind, FeedOutcome, FeedRunKind, Status

Url = Annotated[str, msgspec.Meta(pattern=r"^https?://", max_length=500)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class PlaceIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    name: Short | None = None
    address: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None
    district: Annotated[str, msgspec.Meta(max_length=80)] | None = None


class OrganizerIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    name: Short
    url: Url | None = None
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None


class ImageIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    url: Url
    alt: LocalizedText | None = None


class ChangeIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """A changed single occurrence: the start the rule gives it, and what is different."""

    recurrence_id: MomentText
    start: MomentText | None = None
    end: MomentText | None = None
    status: Status | None = None
    # This date's own texts and place (a feed's RECURRENCE-ID with its own SUMMARY, LOCATION…).
    title: LocalizedText | None = None
    description: LocalizedText | None = None
    place: PlaceIn | None = None


class EventIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Timed events give ``start``/``end`` (naive: the event's time zone); all-day events
    ``start_date``/``end_date`` (end exclusive, default: the next day)."""

    title: LocalizedText
    description: LocalizedText | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    time_zone: Key | None = None
    rrule: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    rdates: Annotated[list[MomentText], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)
    exdates: Annotated[list[MomentText], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)
    changes: Annotated[list[ChangeIn], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)
    status: Status = "scheduled"
    attendance_mode: AttendanceMode = "offline"
    online_url: Url | None = None
    place: PlaceIn | None = None
    organizer: OrganizerIn | None = None
    categories: Annotated[list[Key], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    tags: Annotated[list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=30)] = msgspec.field(
        default_factory=list
    )
    is_free: bool | None = None
    price_min: Annotated[float, msgspec.Meta(ge=0)] | None = None
    price_max: Annotated[float, msgspec.Meta(ge=0)] | None = None
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")] = "EUR"
    registration_url: Url | None = None
    capacity: Annotated[int, msgspec.Meta(ge=0)] | None = None
    age_min: Annotated[int, msgspec.Meta(ge=0, le=120)] | None = None
    age_max: Annotated[int, msgspec.Meta(ge=0, le=120)] | None = None
    images: list[ImageIn] = msgspec.field(default_factory=list)
    accessibility: list[Accessibility] = msgspec.field(default_factory=list)
    published: bool = False
    # For bulk import: the caller's id; importing the same id again updates the event.
    external_id: Annotated[str, msgspec.Meta(min_length=1, max_length=300)] | None = None


class ImportIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    events: Annotated[list[EventIn], msgspec.Meta(min_length=1, max_length=500)]


class ImportOut(msgspec.Struct):
    created: int
    updated: int
    ids: list[uuid.UUID]


class Place(msgspec.Struct):
    name: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    district: str | None = None


class Organizer(msgspec.Struct):
    name: str
    url: str | None = None
    email: str | None = None


class Image(msgspec.Struct):
    url: str
    alt: str | None = None


class Price(msgspec.Struct):
    is_free: bool | None = None
    min: float | None = None
    max: float | None = None
    currency: str = "EUR"


class OccurrenceOut(msgspec.Struct, kw_only=True):
    """One date of an event, in the list residents scroll."""

    event_id: uuid.UUID
    start: dt.datetime | None
    end: dt.datetime | None
    start_date: dt.date | None
    end_date: dt.date | None
    all_day: bool
    status: Status
    recurring: bool
    title: str
    categories: list[str]
    place: Place | None
    is_free: bool | None
    image: Image | None
    accessibility: list[str]
    updated_at: dt.datetime


class EventOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    title: str
    description: str | None
    texts: dict[str, LocalizedText | None]
    start: dt.datetime | None
    end: dt.datetime | None
    start_date: dt.date | None
    end_date: dt.date | None
    all_day: bool
    time_zone: str
    rrule: str | None
    rdates: list[str]
    exdates: list[str]
    # recurrence_id, start, end, status; title, description (LocalizedText), place when the date has its own.
    changes: list[dict[str, Any]]
    next_occurrences: list[OccurrenceOut]
    status: Status
    attendance_mode: AttendanceMode
    online_url: str | None
    place: Place | None
    organizer: Organizer | None
    categories: list[str]
    tags: list[str]
    price: Price
    registration_url: str | None
    capacity: int | None
    age_min: int | None
    age_max: int | None
    images: list[Image]
    accessibility: list[str]
    published: bool
    source: dict[str, str] | None
    updated_at: dt.datetime


class FavouriteIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Remind this many minutes before each occurrence (None: no reminder).
    remind_minutes: Annotated[int, msgspec.Meta(ge=0, le=10_080)] | None = None


class FavouriteOut(msgspec.Struct):
    event_id: uuid.UUID
    remind_minutes: int | None
    updated_at: dt.datetime


class FavouriteEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    event_id: uuid.UUID
    remind_minutes: Annotated[int, msgspec.Meta(ge=0, le=10_080)] | None = None


class FavouriteExport(msgspec.Struct, forbid_unknown_fields=True):
    """What a phone saves (or shows as a transfer file) and the next phone imports."""

    favourites: Annotated[list[FavouriteEntry], msgspec.Meta(max_length=2000)]


class ImportResult(msgspec.Struct):
    imported: int
    unknown: list[uuid.UUID]


class FeedNote(msgspec.Struct):
    """One item of an import: skipped, repaired, derived_uid, standalone or removed, and why."""

    item: str
    kind: FeedNoteKind
    message: str


class FeedRunOut(msgspec.Struct, kw_only=True):
    """One import of a feed or an uploaded file, as editors read it."""

    id: uuid.UUID
    feed: str
    kind: FeedRunKind
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: FeedOutcome
    error: str | None
    fetched_bytes: int
    created: int
    updated: int
    unchanged: int
    removed: int
    skipped: int
    notes: list[FeedNote]


class FeedStatusOut(msgspec.Struct, kw_only=True):
    """A configured feed (or an upload source) and its last import."""

    id: str
    url: str | None
    last_run: FeedRunOut | None
