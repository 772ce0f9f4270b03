"""parking: facilities, their live state, the history (raw samples and day rows), import reports

Revision ID: parking_0001
Revises:
Create Date: 2026-12-03

The facilities' places get core.api's point index (PostGIS GiST; SQLite R*Tree kept in step by
triggers): a later migration that rebuilds parking_facility on SQLite drops it first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

from core.api import create_point_index, drop_point_index

revision: str = "parking_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create_facility() -> None:
    op.create_table(
        "parking_facility",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("park_and_ride", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("district", sa.String(length=80), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("capacity_disabled", sa.Integer(), nullable=True),
        sa.Column("capacity_woman", sa.Integer(), nullable=True),
        sa.Column("capacity_family", sa.Integer(), nullable=True),
        sa.Column("capacity_charging", sa.Integer(), nullable=True),
        sa.Column("capacity_bus", sa.Integer(), nullable=True),
        sa.Column("max_height_cm", sa.Integer(), nullable=True),
        sa.Column("opening_hours", sa.String(length=500), nullable=True),
        sa.Column("fees", sa.JSON(), nullable=True),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("has_fee", sa.Boolean(), nullable=True),
        sa.Column("operator_name", sa.String(length=200), nullable=True),
        sa.Column("payment", sa.JSON(), nullable=False),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("public_url", sa.String(length=500), nullable=True),
        sa.Column("closed_until", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("closed_note", sa.JSON(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name=op.f("capacity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_facility")),
        sa.UniqueConstraint("tenant_id", "source", "source_id", name="uq_parking_facility_source"),
    )
    with op.batch_alter_table("parking_facility", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parking_facility_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_parking_facility_tenant_updated", ["tenant_id", "updated_at"], unique=False)
    create_point_index(op.get_bind(), "parking_facility")


def _create_import_run() -> None:
    op.create_table(
        "parking_import_run",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("part", sa.String(length=8), nullable=False),
        sa.Column("started_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("finished_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("repaired", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_import_run")),
    )
    with op.batch_alter_table("parking_import_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_parking_import_run_source", ["tenant_id", "source", "part", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_parking_import_run_tenant_id"), ["tenant_id"], unique=False)


def _create_day() -> None:
    op.create_table(
        "parking_day",
        sa.Column("facility_id", GUID(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("free", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["parking_facility.id"],
            name=op.f("fk_parking_day_facility_id_parking_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facility_id", "day", name=op.f("pk_parking_day")),
    )
    with op.batch_alter_table("parking_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parking_day_tenant_id"), ["tenant_id"], unique=False)


def _create_sample() -> None:
    op.create_table(
        "parking_sample",
        sa.Column("facility_id", GUID(length=16), nullable=False),
        sa.Column("observed_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("free", sa.Integer(), nullable=False),
        sa.Column("open", sa.SmallInteger(), nullable=True),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["parking_facility.id"],
            name=op.f("fk_parking_sample_facility_id_parking_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facility_id", "observed_at", name=op.f("pk_parking_sample")),
    )
    with op.batch_alter_table("parking_sample", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parking_sample_tenant_id"), ["tenant_id"], unique=False)


def _create_state() -> None:
    op.create_table(
        "parking_state",
        sa.Column("facility_id", GUID(length=16), nullable=False),
        sa.Column("free", sa.Integer(), nullable=True),
        sa.Column("occupied", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("observed_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("received_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("raw_free", sa.Integer(), nullable=True),
        sa.Column("raw_occupied", sa.Integer(), nullable=True),
        sa.Column("raw_capacity", sa.Integer(), nullable=True),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.CheckConstraint(
            "free IS NULL OR capacity IS NULL OR free <= capacity",
            name=op.f("free_max"),
        ),
        sa.CheckConstraint("free IS NULL OR free >= 0", name=op.f("free_min")),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["parking_facility.id"],
            name=op.f("fk_parking_state_facility_id_parking_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facility_id", name=op.f("pk_parking_state")),
    )
    with op.batch_alter_table("parking_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parking_state_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_parking_state_tenant_received", ["tenant_id", "received_at"], unique=False)


def upgrade() -> None:
    _create_facility()
    _create_import_run()
    _create_day()
    _create_sample()
    _create_state()


def downgrade() -> None:
    with op.batch_alter_table("parking_state", schema=None) as batch_op:
        batch_op.drop_index("ix_parking_state_tenant_received")
        batch_op.drop_index(batch_op.f("ix_parking_state_tenant_id"))

    op.drop_table("parking_state")
    with op.batch_alter_table("parking_sample", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parking_sample_tenant_id"))

    op.drop_table("parking_sample")
    with op.batch_alter_table("parking_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parking_day_tenant_id"))

    op.drop_table("parking_day")
    with op.batch_alter_table("parking_import_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parking_import_run_tenant_id"))
        batch_op.drop_index("ix_parking_import_run_source")

    op.drop_table("parking_import_run")
    drop_point_index(op.get_bind(), "parking_facility")
    with op.batch_alter_table("parking_facility", schema=None) as batch_op:
        batch_op.drop_index("ix_parking_facility_tenant_updated")
        batch_op.drop_index(batch_op.f("ix_parking_facility_tenant_id"))

    op.drop_table("parking_facility")
