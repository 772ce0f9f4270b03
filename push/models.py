"""Push tables (lineage ``push``): subscriptions, per-device settings, the outbox, deliveries."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final, Literal

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import TenantOwned

# Outbox states: pending (waiting for not_before / expansion) -> expanding (claimed) -> expanded
# (deliveries exist) -> done; cancelled by staff before expansion.
OUTBOX_PENDING: Final = "pending"
OUTBOX_EXPANDING: Final = "expanding"
OUTBOX_EXPANDED: Final = "expanded"
OUTBOX_DONE: Final = "done"
OUTBOX_CANCELLED: Final = "cancelled"

# Delivery states: queued (due at next_attempt_at; deferred by quiet hours or backoff), sending
# (claimed with a lease until next_attempt_at), sent, failed (permanent), dead (gave up), skipped.
DELIVERY_QUEUED: Final = "queued"
DELIVERY_SENDING: Final = "sending"
DELIVERY_SENT: Final = "sent"
DELIVERY_FAILED: Final = "failed"
DELIVERY_DEAD: Final = "dead"
DELIVERY_SKIPPED: Final = "skipped"
OutboxState = Literal["pending", "expanding", "expanded", "done", "cancelled"]
DeliveryState = Literal["queued", "sending", "sent", "failed", "dead", "skipped"]
Priority = Literal["normal", "high"]


class PushSubscription(TenantOwned):
    """A device's choice for one topic. ``opted_in_at`` is the consent record of the last opt-in."""

    __tablename__ = "push_subscription"
    __table_args__ = (UniqueConstraint("device_id", "topic", name="uq_push_subscription"),)

    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("core_device.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    opted_in_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    opted_out_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class PushPreference(TenantOwned):
    """Quiet hours (minutes after local midnight, in the city's time zone) and home district."""

    __tablename__ = "push_preference"

    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("core_device.id", ondelete="CASCADE"), unique=True, index=True
    )
    quiet_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quiet_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    district: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PushOutbox(TenantOwned):
    """One notification, written in the caller's transaction."""

    __tablename__ = "push_outbox"
    __table_args__ = (Index("ix_push_outbox_due", "state", "next_attempt_at"),)

    topic: Mapped[str] = mapped_column(String(64))
    default_on: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    deep_link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority: Mapped[Priority] = mapped_column(String(8), default="normal")
    collapse_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ttl_seconds: Mapped[int] = mapped_column(Integer, default=86_400)
    not_before: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[OutboxState] = mapped_column(String(16), default=OUTBOX_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(36), nullable=True)
    targeted: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PushDelivery(TenantOwned):
    """One (notification, device) pair, recorded once: the unique key is what makes resends bounded."""

    __tablename__ = "push_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "device_id", name="uq_push_delivery"),
        Index("ix_push_delivery_due", "tenant_id", "state", "next_attempt_at"),
        Index("ix_push_delivery_device_sent", "device_id", "sent_at"),
    )

    notification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("push_outbox.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("core_device.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(8))
    state: Mapped[DeliveryState] = mapped_column(String(16), default=DELIVERY_QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    deferred_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(36), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
