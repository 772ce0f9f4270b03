"""push: subscriptions, preferences, outbox, deliveries

Revision ID: push_0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "push_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audit() -> list[sa.Column[object]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.String(63), nullable=False, index=True),
    ]


def _device_fk() -> sa.ForeignKey:
    return sa.ForeignKey("core_device.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "push_subscription",
        *_audit(),
        sa.Column("device_id", GUID(length=16), _device_fk(), nullable=False, index=True),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("opted_in_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("opted_out_at", DateTimeUTC(timezone=True), nullable=True),
        sa.UniqueConstraint("device_id", "topic", name="uq_push_subscription"),
    )
    op.create_table(
        "push_preference",
        *_audit(),
        sa.Column("device_id", GUID(length=16), _device_fk(), nullable=False, unique=True, index=True),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("district", sa.String(64), nullable=True),
    )
    op.create_table(
        "push_outbox",
        *_audit(),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("default_on", sa.Boolean(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("deep_link", sa.String(500), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("collapse_key", sa.String(64), nullable=True),
        sa.Column("ttl_seconds", sa.Integer(), nullable=False),
        sa.Column("not_before", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(36), nullable=True),
        sa.Column("targeted", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_push_outbox_due", "push_outbox", ["state", "next_attempt_at"])
    op.create_table(
        "push_delivery",
        *_audit(),
        sa.Column(
            "notification_id",
            GUID(length=16),
            sa.ForeignKey("push_outbox.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("device_id", GUID(length=16), _device_fk(), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("deferred_reason", sa.String(32), nullable=True),
        sa.Column("claim_token", sa.String(36), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("sent_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("opened_at", DateTimeUTC(timezone=True), nullable=True),
        sa.UniqueConstraint("notification_id", "device_id", name="uq_push_delivery"),
    )
    op.create_index("ix_push_delivery_due", "push_delivery", ["tenant_id", "state", "next_attempt_at"])
    op.create_index("ix_push_delivery_device_sent", "push_delivery", ["device_id", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_push_delivery_device_sent", table_name="push_delivery")
    op.drop_index("ix_push_delivery_due", table_name="push_delivery")
    op.drop_table("push_delivery")
    op.drop_index("ix_push_outbox_due", table_name="push_outbox")
    op.drop_table("push_outbox")
    op.drop_table("push_preference")
    op.drop_table("push_subscription")
