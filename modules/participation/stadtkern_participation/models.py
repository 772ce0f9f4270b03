"""Tables of the participation module.

Offers, surveys, the pool and draws are ordinary city-owned rows. The anonymous side is built
differently on purpose (see ``Response``, ``Marker`` and ``ResultSubscription``): no audit
timestamps, random ids, and nothing shared between the tables that say *who* took part and the one
that says *what* they answered — not even their physical order: on SQLite the three tables are
``WITHOUT ROWID`` (a b-tree in the order of their random key), and the ``anonymity-reorder`` job
(``anonymity.py``) rewrites them in that order and truncates the WAL; on PostgreSQL it rewrites and
re-clusters them on that key.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from advanced_alchemy.base import UUIDBase
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import TenantOwned, TenantScoped, TextIndex

RESOURCE_OFFER = "participation.offer"
RESOURCE_SURVEY = "participation.survey"
RESOURCE_METHOD = "participation.method"
# Full-text search over the method cards (core.api.TextIndex, participation_0007): names above the rest.
METHOD_TEXT_INDEX = TextIndex("participation_method", (("search_title", "A"), ("search_text", "B")))

STATUSES = ("draft", "published", "closed", "results_published")
Status = Literal["draft", "published", "closed", "results_published"]
Format = Literal["online_survey", "workshop", "citizens_dialogue", "site_walk", "hybrid", "information_event", "other"]
Mode = Literal["analogue", "digital", "hybrid"]
DrawStatus = Literal["committed", "drawn"]
InvitationStatus = Literal["invited", "accepted", "declined"]
AttemptOutcome = Literal["accepted", "refused"]
# Allowed status transitions (draft -> published -> closed -> results_published).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("published",),
    "published": ("closed",),
    "closed": ("results_published",),
    "results_published": (),
}


class MethodCard(TenantOwned):
    """A card of the Instrumentenkoffer: one participation format (Bürgerrat, World Café, ...) with
    its guide. Texts are ``{"de": ..., "en": ...}`` like the offers'; steps, templates and examples
    are JSON lists in their order; accessibility features a ``,a,b,`` list column (``lists.py``)."""

    __tablename__ = "participation_method"
    __table_args__ = (Index("ix_participation_method_list", "tenant_id", "sort_name", "id"),)

    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The name in the city's primary language, lower-cased: the list's order.
    sort_name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    when_to_use: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    mode: Mapped[Mode] = mapped_column(String(16))
    group_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    group_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration: Mapped[str] = mapped_column(String(16))
    duration_note: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    effort: Mapped[str] = mapped_column(String(8))
    accessibility: Mapped[str] = mapped_column(String(500), default=",")
    accessibility_note: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    needs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    templates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    examples: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # What the text index searches (METHOD_TEXT_INDEX): every language's name, and all other texts.
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")


class Offer(TenantOwned):
    """A participation offer (Mitwirkungsangebot). Topics and districts are stored as ``,a,b,``
    so that a portable ``LIKE '%,a,%'`` filters them on SQLite and PostgreSQL alike."""

    __tablename__ = "participation_offer"
    __table_args__ = (Index("ix_participation_offer_list", "tenant_id", "status", "starts_at"),)

    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    description: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    format: Mapped[Format] = mapped_column(String(32))
    topics: Mapped[str] = mapped_column(String(1000), default=",")
    districts: Mapped[str] = mapped_column(String(1000), default=",")
    starts_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    ends_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    place_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    registration_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    contact: Mapped[str | None] = mapped_column(String(300), nullable=True)
    accessibility: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[Status] = mapped_column(String(20), default="draft")
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    # The Instrumentenkoffer card of the offer's format (same city: checked when an editor sets it).
    method_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participation_method.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Loaded with the offer (one query per batch of offers that name a card), for the card's name.
    method: Mapped[MethodCard | None] = relationship(lazy="selectin", viewonly=True)


class Survey(TenantOwned):
    """A survey of the city, its questions stored as JSON; answers live in ``Response``."""

    __tablename__ = "participation_survey"

    offer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participation_offer.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    intro: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    opens_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    closes_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    districts: Mapped[str] = mapped_column(String(1000), default=",")
    eligible_districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    results_visibility: Mapped[str] = mapped_column(String(16), default="after_close")
    status: Mapped[Status] = mapped_column(String(20), default="draft")
    # "device": one answer per app install; "code": one answer per participation code (ParticipationCode).
    eligibility: Mapped[str] = mapped_column(String(8), default="device", server_default="device")


# SQLite stores a WITHOUT ROWID table in primary-key order (here: a random UUIDv4), not in the
# order rows were inserted; an ordinary table's rowid would count submissions.
RANDOM_ORDER: dict[str, Any] = {"sqlite_with_rowid": False}


class Response(TenantScoped, UUIDBase):
    """One anonymous response. Deliberately NOT ``TenantOwned``: that base carries UUIDv7 ids and
    second-precise timestamps, both of which would order responses in time. Here the id is a
    random UUIDv4, the only date is the day, and there is no device, account or address."""

    __tablename__ = "participation_response"
    __table_args__ = (RANDOM_ORDER,)

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_survey.id", ondelete="CASCADE"), index=True)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)


class Marker(UUIDBase):
    """ "This device has answered this survey": a keyed hash (HMAC-SHA256 with a key derived from the
    deployment secret) of survey id and device id. Unique per survey; holds no response id, no time,
    no device id. Its id is a random UUIDv4 (the physical order)."""

    __tablename__ = "participation_marker"
    __table_args__ = (UniqueConstraint("survey_id", "marker", name="uq_participation_marker"), RANDOM_ORDER)

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_survey.id", ondelete="CASCADE"))
    marker: Mapped[str] = mapped_column(String(64))


class ParticipationCode(UUIDBase):
    """A single-use code printed on a letter to a resident (eligibility "code"): only its keyed hash
    (HMAC-SHA256 with a key derived from the deployment secret). Written when staff issue codes and
    never again: redeeming one inserts a ``Marker`` (another key, another table, reordered with the
    answers), so nothing in this table changes when, or in which transaction, a code is used."""

    __tablename__ = "participation_code"
    __table_args__ = (UniqueConstraint("survey_id", "code_hash", name="uq_participation_code"),)

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_survey.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))


class ResultSubscription(UUIDBase):
    """Devices that asked, when answering, to be told when results are published. Kept apart from
    responses and markers (no shared ids, no time, random UUIDv4 id as physical order); deleted once
    the notification is written."""

    __tablename__ = "participation_result_subscription"
    __table_args__ = (
        UniqueConstraint("survey_id", "device_id", name="uq_participation_result_subscription"),
        RANDOM_ORDER,
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_survey.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16), index=True)


class ResultSnapshot(TenantOwned):
    """The survey's public figures as last published: a tally of ``responses`` answers. Residents see
    this, never a live count, and a new snapshot only once ``results_step`` more answers came in, so
    comparing two polls never isolates one answer (see ``services/results.py``)."""

    __tablename__ = "participation_result_snapshot"
    __table_args__ = (UniqueConstraint("survey_id", name="uq_participation_result_snapshot"),)

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_survey.id", ondelete="CASCADE"))
    responses: Mapped[int] = mapped_column(Integer)
    results: Mapped[dict[str, Any]] = mapped_column(JSON)


class PoolMember(TenantOwned):
    """A Mitmachpool registration (double opt-in by e-mail; consent expires)."""

    __tablename__ = "participation_pool_member"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_participation_pool_email"),)

    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8), default="de")
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    # SHA-256 of the random token in the last confirmation/renewal link, and of the manage token.
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    manage_token_hash: Mapped[str] = mapped_column(String(64), index=True)
    consent_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    district: Mapped[str | None] = mapped_column(String(80), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(16), nullable=True)
    gender: Mapped[str | None] = mapped_column(String(16), nullable=True)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    device_id: Mapped[uuid.UUID | None] = mapped_column(GUID(length=16), nullable=True, index=True)
    # A sign-up with the address of an existing record: the requested profile waits here until the
    # link mailed to the address confirms it (SHA-256 of its token); until then the record stands.
    pending_profile: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    pending_device_id: Mapped[uuid.UUID | None] = mapped_column(GUID(length=16), nullable=True, index=True)
    pending_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    pending_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class Draw(TenantOwned):
    """The one random draw for an offer: the audit record (parameters, seed, candidates, outcome).

    ``committed``: the server picked the seed and published its SHA-256 (``seed_commitment``); the
    seed itself stays hidden. ``drawn``: the pool was frozen, the draw run and the seed revealed.
    The unique constraint is what refuses a second draw for the offer, also under races."""

    __tablename__ = "participation_draw"
    # A unique index rather than a constraint: SQLite adds it without rebuilding the table (a rebuild
    # would drop the table, and with foreign keys on, cascade into its invitations).
    __table_args__ = (Index("uq_participation_draw_offer", "offer_id", unique=True),)

    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_offer.id", ondelete="CASCADE"), index=True)
    status: Mapped[DrawStatus] = mapped_column(String(16), default="committed", server_default="drawn")
    size: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(128))
    # SHA-256 (hex) of the seed, published when the draw is committed; None for draws made before
    # commitments existed (participation_0005).
    seed_commitment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    algorithm: Mapped[str] = mapped_column(String(64))
    strata_by: Mapped[list[str]] = mapped_column(JSON)
    quotas: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # [{ticket, stratum}] of every eligible member, and the outcome of the draw.
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    allocation: Mapped[dict[str, int]] = mapped_column(JSON)
    selected: Mapped[list[str]] = mapped_column(JSON)
    probabilities: Mapped[dict[str, float]] = mapped_column(JSON)
    # Audit trail: every invitation, answer and replacement, appended in order.
    log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(254))


class DrawAttempt(TenantOwned):
    """Every attempt to commit or run a draw for an offer, accepted or refused (and why): the audit
    that shows whether a draw was tried until it suited. Refusals are written in a transaction of
    their own, so they stay although the request fails."""

    __tablename__ = "participation_draw_attempt"

    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_offer.id", ondelete="CASCADE"), index=True)
    draw_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participation_draw.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[AttemptOutcome] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempted_by: Mapped[str] = mapped_column(String(254))


class Invitation(TenantOwned):
    """One pool member invited by a draw, and their answer (by the link's token)."""

    __tablename__ = "participation_invitation"

    draw_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_draw.id", ondelete="CASCADE"), index=True)
    # SET NULL: withdrawing from the pool deletes the member, the (now anonymous) audit stays.
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participation_pool_member.id", ondelete="SET NULL"), nullable=True, index=True
    )
    ticket: Mapped[str] = mapped_column(String(32))
    stratum: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[InvitationStatus] = mapped_column(String(16), default="invited")
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


MODELS: tuple[type[Any], ...] = (
    MethodCard,
    Offer,
    Survey,
    Response,
    Marker,
    ParticipationCode,
    ResultSubscription,
    ResultSnapshot,
    PoolMember,
    Draw,
    DrawAttempt,
    Invitation,
)
# The tables whose rows must not be linkable through their physical order or inserting transaction.
ANONYMOUS_TABLES: tuple[type[Any], ...] = (Response, Marker, ResultSubscription)
