"""events: events, occurrences, favourites, reminders

Revision ID: events_0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "events_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audit() -> list[sa.Column[object]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        # advanced-alchemy's insert sentinel for UUID keys
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.String(63), nullable=False, index=True),
    ]


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, DateTimeUTC(timezone=True), nullable=nullable)


def _event_fk() -> sa.ForeignKey:
    return sa.ForeignKey("events_event.id", ondelete="CASCADE")


def _device_fk() -> sa.ForeignKey:
    return sa.ForeignKey("core_device.id", ondelete="CASCADE")


def upgrade() -> None:
    _create_events()
    _create_occurrences()
    _create_device_tables()


def _create_events() -> None:
    op.create_table(
        "events_event",
        *_audit(),
        sa.Column("title_de", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=True),
        sa.Column("description_de", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        _ts("starts_at"),
        _ts("ends_at"),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("rrule", sa.String(500), nullable=True),
        sa.Column("rdates", sa.JSON(), nullable=False),
        sa.Column("exdates", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attendance_mode", sa.String(8), nullable=False),
        sa.Column("online_url", sa.String(500), nullable=True),
        sa.Column("place_name", sa.String(200), nullable=True),
        sa.Column("place_address", sa.String(300), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("district", sa.String(80), nullable=True, index=True),
        sa.Column("organizer_name", sa.String(200), nullable=True),
        sa.Column("organizer_url", sa.String(500), nullable=True),
        sa.Column("organizer_email", sa.String(254), nullable=True),
        sa.Column("categories", sa.String(500), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("is_free", sa.Boolean(), nullable=True),
        sa.Column("price_min", sa.Float(), nullable=True),
        sa.Column("price_max", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("registration_url", sa.String(500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("accessibility", sa.String(300), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("source_feed", sa.String(64), nullable=True),
        sa.Column("source_uid", sa.String(300), nullable=True),
        sa.Column("source_hash", sa.String(64), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        _ts("published_at", nullable=True),
        _ts("expanded_until"),
        sa.UniqueConstraint("tenant_id", "source_feed", "source_uid", name="uq_events_event_source"),
    )
    op.create_index("ix_events_event_tenant_updated", "events_event", ["tenant_id", "updated_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_events_event_fts ON events_event USING gin (to_tsvector('german'::regconfig, search_text))"
        )


def _create_occurrences() -> None:
    op.create_table(
        "events_occurrence",
        *_audit(),
        sa.Column("event_id", GUID(length=16), _event_fk(), nullable=False, index=True),
        _ts("starts_at"),
        _ts("ends_at"),
        _ts("recurrence_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("event_id", "starts_at", name="uq_events_occurrence"),
    )
    op.create_index(
        "ix_events_occurrence_list", "events_occurrence", ["tenant_id", "published", "starts_at", "event_id"]
    )
    op.create_index("ix_events_occurrence_ends", "events_occurrence", ["tenant_id", "published", "ends_at"])


def _create_device_tables() -> None:
    op.create_table(
        "events_favourite",
        *_audit(),
        sa.Column("device_id", GUID(length=16), _device_fk(), nullable=False, index=True),
        sa.Column("event_id", GUID(length=16), _event_fk(), nullable=False, index=True),
        sa.Column("remind_minutes", sa.Integer(), nullable=True),
        sa.UniqueConstraint("device_id", "event_id", name="uq_events_favourite"),
    )
    op.create_table(
        "events_reminder",
        *_audit(),
        sa.Column("device_id", GUID(length=16), _device_fk(), nullable=False, index=True),
        sa.Column("event_id", GUID(length=16), _event_fk(), nullable=False, index=True),
        _ts("occurrence_start"),
        _ts("due_at"),
        sa.Column("state", sa.String(12), nullable=False),
        _ts("sent_at", nullable=True),
        sa.UniqueConstraint("device_id", "event_id", "occurrence_start", name="uq_events_reminder"),
    )
    op.create_index("ix_events_reminder_due", "events_reminder", ["state", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_events_reminder_due", table_name="events_reminder")
    op.drop_table("events_reminder")
    op.drop_table("events_favourite")
    op.drop_index("ix_events_occurrence_ends", table_name="events_occurrence")
    op.drop_index("ix_events_occurrence_list", table_name="events_occurrence")
    op.drop_table("events_occurrence")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_events_event_fts")
    op.drop_index("ix_events_event_tenant_updated", table_name="events_event")
    op.drop_table("events_event")
