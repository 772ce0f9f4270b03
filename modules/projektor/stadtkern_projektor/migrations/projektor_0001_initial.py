"""projektor: rooms, equipment, closures, workshops, sessions, bookings and the overlap rules

Revision ID: projektor_0001
Revises:
Create Date: 2026-12-03 14:26:38.653776
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from stadtkern_projektor import guarantees

revision: str = "projektor_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _resources()
    _equipment()
    _workshops()
    _sessions()
    _bookings()
    _equipment_use()
    # The overlap rules: an exclusion constraint on PostgreSQL, triggers on SQLite (guarantees.py).
    guarantees.install(op.get_bind())


def _resources() -> None:
    """Device counters, rooms and closures."""
    op.create_table(
        "projektor_device_quota",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("active_limit", sa.Integer(), nullable=False),
        sa.Column("no_shows", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "active >= 0 AND active <= active_limit", name=op.f("ck_projektor_device_quota_active_within_limit")
        ),
        sa.CheckConstraint("no_shows >= 0", name=op.f("ck_projektor_device_quota_no_shows_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_device_quota")),
        sa.UniqueConstraint("tenant_id", "device_id", name="uq_projektor_device_quota_device"),
    )
    with op.batch_alter_table("projektor_device_quota", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projektor_device_quota_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "projektor_room",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("step_free", sa.Boolean(), nullable=False),
        sa.Column("accessibility", sa.JSON(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_minutes", sa.Integer(), nullable=False),
        sa.Column("min_notice_minutes", sa.Integer(), nullable=False),
        sa.Column("max_days_ahead", sa.Integer(), nullable=False),
        sa.Column("cancel_hours", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("buffer_minutes >= 0", name=op.f("ck_projektor_room_buffer_minutes_min")),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_projektor_room_capacity_positive")),
        sa.CheckConstraint("slot_minutes >= 5", name=op.f("ck_projektor_room_slot_minutes_min")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_room")),
    )
    with op.batch_alter_table("projektor_room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projektor_room_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "projektor_closure",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("room_id", GUID(length=16), nullable=True),
        sa.Column("starts_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ends_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("reason", sa.JSON(), nullable=True),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_projektor_closure_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["projektor_room.id"],
            name=op.f("fk_projektor_closure_room_id_projektor_room"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_closure")),
    )
    with op.batch_alter_table("projektor_closure", schema=None) as batch_op:
        batch_op.create_index("ix_projektor_closure_span", ["tenant_id", "starts_at", "ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_projektor_closure_tenant_id"), ["tenant_id"], unique=False)


def _equipment() -> None:
    """Equipment and its units."""
    op.create_table(
        "projektor_equipment",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("room_id", GUID(length=16), nullable=True),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_projektor_equipment_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["projektor_room.id"],
            name=op.f("fk_projektor_equipment_room_id_projektor_room"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_equipment")),
    )
    with op.batch_alter_table("projektor_equipment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projektor_equipment_room_id"), ["room_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projektor_equipment_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "projektor_equipment_unit",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("equipment_id", GUID(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_projektor_equipment_unit_number_positive")),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["projektor_equipment.id"],
            name=op.f("fk_projektor_equipment_unit_equipment_id_projektor_equipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_equipment_unit")),
        sa.UniqueConstraint("equipment_id", "number", name="uq_projektor_equipment_unit_number"),
    )
    with op.batch_alter_table("projektor_equipment_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projektor_equipment_unit_tenant_id"), ["tenant_id"], unique=False)


def _workshops() -> None:
    """Workshops."""
    op.create_table(
        "projektor_workshop",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("accessibility", sa.JSON(), nullable=True),
        sa.Column("room_id", GUID(length=16), nullable=True),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        sa.Column("event_id", GUID(length=16), nullable=True),
        sa.Column("equipment_id", GUID(length=16), nullable=True),
        sa.Column("equipment_per_seat", sa.Integer(), nullable=False),
        sa.Column("requires_contact", sa.Boolean(), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("offer_minutes", sa.Integer(), nullable=False),
        sa.Column("auto_promote", sa.Boolean(), nullable=False),
        sa.Column("cancel_hours", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name=op.f("ck_projektor_workshop_age_range")
        ),
        sa.CheckConstraint("equipment_per_seat >= 0", name=op.f("ck_projektor_workshop_equipment_per_seat_min")),
        sa.CheckConstraint("offer_minutes >= 1", name=op.f("ck_projektor_workshop_offer_minutes_min")),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["projektor_equipment.id"],
            name=op.f("fk_projektor_workshop_equipment_id_projektor_equipment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["projektor_room.id"],
            name=op.f("fk_projektor_workshop_room_id_projektor_room"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_workshop")),
    )
    with op.batch_alter_table("projektor_workshop", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projektor_workshop_room_id"), ["room_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projektor_workshop_tenant_id"), ["tenant_id"], unique=False)


def _sessions() -> None:
    """A workshop's dates."""
    op.create_table(
        "projektor_session",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("workshop_id", GUID(length=16), nullable=False),
        sa.Column("starts_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ends_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("waitlist_seq", sa.Integer(), nullable=False),
        sa.Column("waitlist_open", sa.Boolean(), nullable=False),
        sa.Column("cancelled_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_projektor_session_ends_after_start")),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_projektor_session_seats_positive")),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= seats", name=op.f("ck_projektor_session_seats_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["projektor_workshop.id"],
            name=op.f("fk_projektor_session_workshop_id_projektor_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_session")),
    )
    with op.batch_alter_table("projektor_session", schema=None) as batch_op:
        batch_op.create_index("ix_projektor_session_start", ["tenant_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_projektor_session_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projektor_session_workshop_id"), ["workshop_id"], unique=False)


def _bookings() -> None:
    """Bookings of slots and seats."""
    op.create_table(
        "projektor_booking",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.Column("room_id", GUID(length=16), nullable=True),
        sa.Column("session_id", GUID(length=16), nullable=True),
        sa.Column("starts_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ends_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("blocked_until", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("hold_expires_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("participant_name", sa.String(length=200), nullable=True),
        sa.Column("participant_email", sa.String(length=254), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("check_in_code", sa.String(length=16), nullable=False),
        sa.Column("checked_in_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("reminded_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("finished_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("from_waitlist", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'slot' AND room_id IS NOT NULL AND session_id IS NULL AND blocked_until IS NOT NULL)"
            " OR (kind = 'seat' AND session_id IS NOT NULL)",
            name=op.f("ck_projektor_booking_kind_fields"),
        ),
        sa.CheckConstraint(
            "status IN ('held', 'pending', 'offered', 'confirmed', 'waiting',"
            " 'cancelled', 'expired', 'declined', 'no_show', 'left')",
            name=op.f("ck_projektor_booking_status_known"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_projektor_booking_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["projektor_room.id"],
            name=op.f("fk_projektor_booking_room_id_projektor_room"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["projektor_session.id"],
            name=op.f("fk_projektor_booking_session_id_projektor_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_booking")),
        sa.UniqueConstraint("session_id", "position", name="uq_projektor_booking_position"),
    )
    with op.batch_alter_table("projektor_booking", schema=None) as batch_op:
        batch_op.create_index("ix_projektor_booking_device", ["tenant_id", "device_id", "updated_at"], unique=False)
        batch_op.create_index("ix_projektor_booking_expiry", ["status", "hold_expires_at"], unique=False)
        batch_op.create_index("ix_projektor_booking_room", ["room_id", "starts_at"], unique=False)
        batch_op.create_index("ix_projektor_booking_session", ["session_id", "status", "position"], unique=False)
        batch_op.create_index(batch_op.f("ix_projektor_booking_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "uq_projektor_booking_device_session",
            ["session_id", "device_id"],
            unique=True,
            postgresql_where=sa.text(
                "session_id IS NOT NULL AND status IN ('held', 'pending', 'offered', 'confirmed', 'waiting')"
            ),
            sqlite_where=sa.text(
                "session_id IS NOT NULL AND status IN ('held', 'pending', 'offered', 'confirmed', 'waiting')"
            ),
        )


def _equipment_use() -> None:
    """The equipment units bookings and sessions use."""
    op.create_table(
        "projektor_equipment_use",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("booking_id", GUID(length=16), nullable=True),
        sa.Column("session_id", GUID(length=16), nullable=True),
        sa.Column("unit_id", GUID(length=16), nullable=False),
        sa.Column("starts_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ends_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "booking_id IS NOT NULL OR session_id IS NOT NULL",
            name=op.f("ck_projektor_equipment_use_used_by_something"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_projektor_equipment_use_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["projektor_booking.id"],
            name=op.f("fk_projektor_equipment_use_booking_id_projektor_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["projektor_session.id"],
            name=op.f("fk_projektor_equipment_use_session_id_projektor_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["projektor_equipment_unit.id"],
            name=op.f("fk_projektor_equipment_use_unit_id_projektor_equipment_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_equipment_use")),
    )
    with op.batch_alter_table("projektor_equipment_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projektor_equipment_use_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projektor_equipment_use_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projektor_equipment_use_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_projektor_equipment_use_unit", ["unit_id", "starts_at"], unique=False)


def downgrade() -> None:
    guarantees.remove(op.get_bind())
    with op.batch_alter_table("projektor_equipment_use", schema=None) as batch_op:
        batch_op.drop_index("ix_projektor_equipment_use_unit")
        batch_op.drop_index(batch_op.f("ix_projektor_equipment_use_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_projektor_equipment_use_session_id"))
        batch_op.drop_index(batch_op.f("ix_projektor_equipment_use_booking_id"))

    op.drop_table("projektor_equipment_use")
    with op.batch_alter_table("projektor_booking", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_projektor_booking_device_session",
            postgresql_where=sa.text(
                "session_id IS NOT NULL AND status IN ('held', 'pending', 'offered', 'confirmed', 'waiting')"
            ),
            sqlite_where=sa.text(
                "session_id IS NOT NULL AND status IN ('held', 'pending', 'offered', 'confirmed', 'waiting')"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_projektor_booking_tenant_id"))
        batch_op.drop_index("ix_projektor_booking_session")
        batch_op.drop_index("ix_projektor_booking_room")
        batch_op.drop_index("ix_projektor_booking_expiry")
        batch_op.drop_index("ix_projektor_booking_device")

    op.drop_table("projektor_booking")
    with op.batch_alter_table("projektor_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projektor_session_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_projektor_session_tenant_id"))
        batch_op.drop_index("ix_projektor_session_start")

    op.drop_table("projektor_session")
    with op.batch_alter_table("projektor_workshop", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projektor_workshop_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_projektor_workshop_room_id"))

    op.drop_table("projektor_workshop")
    with op.batch_alter_table("projektor_equipment_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projektor_equipment_unit_tenant_id"))

    op.drop_table("projektor_equipment_unit")
    with op.batch_alter_table("projektor_equipment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projektor_equipment_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_projektor_equipment_room_id"))

    op.drop_table("projektor_equipment")
    with op.batch_alter_table("projektor_closure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projektor_closure_tenant_id"))
        batch_op.drop_index("ix_projektor_closure_span")

    op.drop_table("projektor_closure")
    with op.batch_alter_table("projektor_room", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projektor_room_tenant_id"))

    op.drop_table("projektor_room")
    with op.batch_alter_table("projektor_device_quota", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projektor_device_quota_tenant_id"))

    op.drop_table("projektor_device_quota")
