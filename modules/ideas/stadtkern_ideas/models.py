"""Tables of the Ideenpool.

Ideas and their status history are ordinary city-owned rows. Supports are built like
participation's survey markers (``Support``): a keyed hash per idea and device that the database
keeps unique, a random UUIDv4 id, no timestamps, no device id in the clear, and on SQLite a
``WITHOUT ROWID`` table, so neither a column nor the physical order says who supported what.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from advanced_alchemy.base import UUIDBase
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import TenantOwned

RESOURCE_IDEA = "ideas.idea"

# Moderation decides whether an idea is public at all.
MODERATIONS = ("pending", "accepted", "declined", "merged")
# The city's answer: where the idea stands (received -> under review -> one of the outcomes).
STATUSES = ("received", "under_review", "in_project", "implemented", "not_pursued")
Moderation = Literal["pending", "accepted", "declined", "merged"]
IdeaStatus = Literal["received", "under_review", "in_project", "implemented", "not_pursued"]
# Random ids and no rowid: SQLite stores the table in the order of its random key, not of insertion.
RANDOM_ORDER: dict[str, Any] = {"sqlite_with_rowid": False}


class Idea(TenantOwned):
    """A resident's idea for the city, its title and description stored as written (``language``)."""

    __tablename__ = "ideas_idea"
    __table_args__ = (
        # The pool's two orders end in the id, as the keyset pagination does: a page is an index range.
        Index("ix_ideas_idea_newest", "tenant_id", "moderation", "published_at", "id"),
        Index("ix_ideas_idea_most_supported", "tenant_id", "moderation", "supporters", "id"),
    )

    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    # The language the resident wrote in (a BCP 47 tag, e.g. "de", "tr", "uk"): shown, never translated.
    language: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(80))
    district: Mapped[str] = mapped_column(String(80))
    place_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The submitting device; NULL for ideas the city entered itself (demo data).
    device_id: Mapped[uuid.UUID | None] = mapped_column(GUID(length=16), nullable=True, index=True)
    moderation: Mapped[Moderation] = mapped_column(String(16), default="pending")
    # Why moderation declined it: the submitter reads this in "my ideas".
    decline_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    moderated_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ideas_idea.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[IdeaStatus] = mapped_column(String(24), default="received")
    # The city's public answer to the current status, {"de": ..., "en": ...}.
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The count of Support rows, kept with the idea so that "most supported" is an index scan.
    supporters: Mapped[int] = mapped_column(Integer, default=0)


class StatusChange(TenantOwned):
    """One step of an idea's public history: the status it reached and the city's answer then."""

    __tablename__ = "ideas_status_change"

    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas_idea.id", ondelete="CASCADE"), index=True)
    status: Mapped[IdeaStatus] = mapped_column(String(24))
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The staff member's id (not their name or e-mail: the answer is the city's).
    changed_by: Mapped[uuid.UUID | None] = mapped_column(GUID(length=16), nullable=True)


class Support(UUIDBase):
    """ "One device supports this idea": ``marker`` is HMAC-SHA256(key, idea id ‖ device id), unique per
    idea, so the database refuses a second support of a device. ``sealed`` is the device id under
    AES-GCM with a random nonce (a different ciphertext every time): only the deployment's secret opens
    it, which a merge needs to count a device once and a status change to reach its supporters.
    Deliberately not ``TenantOwned`` (no ordered id, no timestamps); the idea carries the city."""

    __tablename__ = "ideas_support"
    __table_args__ = (UniqueConstraint("idea_id", "marker", name="uq_ideas_support"), RANDOM_ORDER)

    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas_idea.id", ondelete="CASCADE"))
    marker: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[str] = mapped_column(String(96))


# The dialogue: comment threads on ideas and on the items other modules declare (participation.offer).
THREAD_MODES = ("off", "pre", "post")
COMMENT_STATES = ("pending", "visible", "hidden", "rejected")
CommentState = Literal["pending", "visible", "hidden", "rejected"]
ThreadMode = Literal["off", "pre", "post"]
REPORT_REASONS = ("spam", "abuse", "personal_data", "off_topic", "other")


class Thread(TenantOwned):
    """The comment thread of one item. Off until staff open it, in pre- (every comment waits for a
    moderator) or post-moderation (visible at once, hidden when needed); locked: read-only."""

    __tablename__ = "ideas_thread"
    __table_args__ = (UniqueConstraint("tenant_id", "subject", "subject_id", name="uq_ideas_thread_subject"),)

    subject: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16))
    mode: Mapped[ThreadMode] = mapped_column(String(8), default="off")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)


class Participant(TenantOwned):
    """The pseudonym a device chose for one thread: unique in the thread, unknown anywhere else."""

    __tablename__ = "ideas_participant"
    __table_args__ = (
        UniqueConstraint("thread_id", "device_id", name="uq_ideas_participant_device"),
        UniqueConstraint("thread_id", "pseudonym_key", name="uq_ideas_participant_pseudonym"),
    )

    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas_thread.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16), index=True)
    pseudonym: Mapped[str] = mapped_column(String(40))
    # casefolded: "Anna" and "anna" are one name in a thread
    pseudonym_key: Mapped[str] = mapped_column(String(40))


class Comment(TenantOwned):
    """A comment in a thread: a resident's under their pseudonym, or the city's answer (``official``)."""

    __tablename__ = "ideas_comment"
    __table_args__ = (Index("ix_ideas_comment_thread", "thread_id", "state", "id"),)

    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas_thread.id", ondelete="CASCADE"))
    participant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ideas_participant.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # The staff member who wrote the city's answer (shown as the city, never by name).
    staff_id: Mapped[uuid.UUID | None] = mapped_column(GUID(length=16), nullable=True)
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[CommentState] = mapped_column(String(12), default="pending")
    reports: Mapped[int] = mapped_column(Integer, default=0)


class CommentReport(TenantOwned):
    """A resident's report of a comment, once per device; moderators see the reported comments."""

    __tablename__ = "ideas_comment_report"
    __table_args__ = (UniqueConstraint("comment_id", "device_id", name="uq_ideas_comment_report"),)

    comment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas_comment.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)


class ModerationEntry(TenantOwned):
    """What a moderator did in a thread and why: the log behind every hide, restore, lock and unlock."""

    __tablename__ = "ideas_moderation_log"

    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas_thread.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ideas_comment.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(GUID(length=16), nullable=True)


class Photo(TenantOwned):
    """A photo of an idea: only re-encoded variants without metadata are stored (``imaging.py``),
    under ``<city>/<photo id>/<variant>.jpg`` in the city's photo store."""

    __tablename__ = "ideas_photo"

    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas_idea.id", ondelete="CASCADE"), index=True)
    # The variants stored, {"large": [w, h], "medium": [w, h], "thumb": [w, h]}.
    variants: Mapped[dict[str, Any]] = mapped_column(JSON)
    bytes_stored: Mapped[int] = mapped_column(Integer)


MODELS: tuple[type[Any], ...] = (
    Idea,
    StatusChange,
    Support,
    Thread,
    Participant,
    Comment,
    CommentReport,
    ModerationEntry,
    Photo,
)
