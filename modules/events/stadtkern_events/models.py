"""Tables: events (schema.org Event), their expanded occurrences, favourites and reminders."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal, get_args

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import TenantOwned, TextIndex

RESOURCE = "events.event"
FAVOURITE_RESOURCE = "events.favourite"
# Title words weigh most ("Konzert" in the title ranks above a concert mentioned in the text).
TEXT_INDEX = TextIndex("events_event", (("search_title", "A"), ("search_text", "B")))

Status = Literal["scheduled", "cancelled", "postponed", "rescheduled", "moved_online"]
STATUSES: tuple[str, ...] = get_args(Status)
AttendanceMode = Literal["offline", "online", "mixed"]
FeedRunKind = Literal["feed", "upload"]
# ok; refused by the mass-removal guard; failed (fetching, parsing or the database)
FeedOutcome = Literal["ok", "refused", "failed"]
FeedNoteKind = Literal["skipped", "repaired", "derived_uid", "standalone", "removed"]
Accessibility = Literal[
    "wheelchair_accessible",
    "step_free",
    "accessible_toilet",
    "hearing_loop",
    "sign_language",
    "easy_language",
    "audio_description",
    "tactile_guidance",
    "assistance_dogs",
    "quiet_space",
]
ACCESSIBILITY: tuple[str, ...] = get_args(Accessibility)

REMINDER_PENDING = "pending"
REMINDER_SENT = "sent"
REMINDER_SKIPPED = "skipped"


def pack(values: list[str] | tuple[str, ...]) -> str:
    """Lists filtered with LIKE on both databases: ``|a|b|`` (empty: ``""``)."""
    return "|" + "|".join(values) + "|" if values else ""


def unpack(value: str | None) -> list[str]:
    return [v for v in (value or "").split("|") if v]


class Event(TenantOwned):
    __tablename__ = "events_event"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source_feed", "source_uid", name="uq_events_event_source"),
        Index("ix_events_event_tenant_updated", "tenant_id", "updated_at"),
    )

    # LocalizedText ({"de": ..., "tr": ...}): the city's languages are data, not columns.
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # First occurrence (UTC); all-day: local midnights, end exclusive.
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    time_zone: Mapped[str] = mapped_column(String(64))
    rrule: Mapped[str | None] = mapped_column(String(500), nullable=True)
    rdates: Mapped[list[str]] = mapped_column(JSON, default=list)
    exdates: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Changed single occurrences: {"recurrence_id", "start", "end", "status"} (ISO strings).
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[Status] = mapped_column(String(16), default="scheduled")
    attendance_mode: Mapped[AttendanceMode] = mapped_column(String(8), default="offline")
    online_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    place_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    place_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # WGS 84 degrees, both or neither. Spatially indexed (events_0004, core.api.create_point_index):
    # "near me" asks core.api.near, and a SQLite trigger keeps the R*Tree in step with every write.
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    district: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    organizer_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    organizer_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    organizer_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    categories: Mapped[str] = mapped_column(String(500), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_free: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    price_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    price_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    registration_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    images: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    accessibility: Mapped[str] = mapped_column(String(300), default="")
    # Full-text search (core.api.TextIndex below, events_0005): the title in every language, and
    # the title with description, place, organizer and tags; lower-cased.
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    source_feed: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source_uid: Mapped[str | None] = mapped_column(String(300), nullable=True)
    source_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    # Occurrences exist up to this moment; the horizon job extends it as time passes.
    expanded_until: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


COVERED = ("ends_at", "status", "lat", "lon")
# An occurrence's duration class: class k lasts at most DURATION_CLASSES[k], the last class longer.
# A list's window needs the occurrences still running at its start; bounded classes let each be
# found in a range of start times (shapes.listed_parts) instead of every start before the window.
DURATION_CLASSES = (dt.timedelta(hours=6), dt.timedelta(days=3), dt.timedelta(days=45))
LONG_COLUMN = "duration_class"
LONG_ONLY = f"{LONG_COLUMN} > 0"  # the long occurrences' index predicate, repeated as is in their queries


def duration_class(starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    """The duration class of an occurrence from ``starts_at`` to ``ends_at`` (see DURATION_CLASSES)."""
    length = ends_at - starts_at
    return next((k for k, most in enumerate(DURATION_CLASSES) if length <= most), len(DURATION_CLASSES))


class Occurrence(TenantOwned):
    """One expanded occurrence; rebuilt from the event's schedule whenever the event changes."""

    __tablename__ = "events_occurrence"
    __table_args__ = (
        UniqueConstraint("event_id", "starts_at", name="uq_events_occurrence"),
        Index("ix_events_occurrence_list", "tenant_id", "published", "starts_at", "event_id"),
        Index("ix_events_occurrence_ends", "tenant_id", "published", "ends_at"),
        # "Near me, soonest first" (near_cells.py): a cell's dates in start order, filtered on the
        # index's own columns (end, status, point) before any event is looked up.
        *(
            Index(f"ix_events_occurrence_{cell}", "tenant_id", "published", cell, "starts_at", "event_id", *COVERED)
            for cell in ("cell_s", "cell_m", "cell_l")
        ),
        # few rows (longer than 6 hours), read by class and start (shapes.listed_parts)
        Index(
            "ix_events_occurrence_long",
            "tenant_id",
            "published",
            "duration_class",
            "starts_at",
            "event_id",
            postgresql_where=text(LONG_ONLY),
            sqlite_where=text(LONG_ONLY),
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events_event.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    recurrence_id: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[Status] = mapped_column(String(16))
    published: Mapped[bool] = mapped_column(Boolean)
    duration_class: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")  # events_0008
    # A changed occurrence's own title (LocalizedText) and place; None: the event's (events_0007).
    own_title: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    own_place_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    own_place_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # The event's point and its grid cells at three sizes (near_cells.py), copied when the
    # occurrences are rebuilt, which happens on every change of the event.
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    cell_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cell_m: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cell_l: Mapped[int | None] = mapped_column(Integer, nullable=True)

    event: Mapped[Event] = relationship(Event, lazy="raise")


class Favourite(TenantOwned):
    __tablename__ = "events_favourite"
    __table_args__ = (UniqueConstraint("device_id", "event_id", name="uq_events_favourite"),)

    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("core_device.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events_event.id", ondelete="CASCADE"), index=True)
    # Remind this many minutes before each occurrence; None: no reminder.
    remind_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Reminder(TenantOwned):
    """A reminder due at ``due_at``; claimed and sent by the ``reminders`` polling job."""

    __tablename__ = "events_reminder"
    __table_args__ = (
        UniqueConstraint("device_id", "event_id", "occurrence_start", name="uq_events_reminder"),
        Index("ix_events_reminder_due", "state", "due_at"),
    )

    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("core_device.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events_event.id", ondelete="CASCADE"), index=True)
    occurrence_start: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    due_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    state: Mapped[str] = mapped_column(String(12), default=REMINDER_PENDING)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class FeedRun(TenantOwned):
    """One import of a feed or an uploaded file: what it fetched, did and skipped (events_0007)."""

    __tablename__ = "events_feed_run"
    __table_args__ = (Index("ix_events_feed_run_feed", "tenant_id", "feed", "started_at"),)

    feed: Mapped[str] = mapped_column(String(64))
    kind: Mapped[FeedRunKind] = mapped_column(String(8))
    started_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    # ok: applied; refused: the mass-removal guard held it back; failed: unreachable or unreadable.
    outcome: Mapped[FeedOutcome] = mapped_column(String(8))
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    fetched_bytes: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # [{"item": UID, "kind": skipped|repaired|derived_uid|standalone|removed, "message": ...}]
    notes: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
