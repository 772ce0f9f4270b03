"""parking: favourites and "tell me when there is space" alerts (rows of a device: exported and deleted with it)

Revision ID: parking_0002
Revises: parking_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "parking_0002"
down_revision: str | None = "parking_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parking_alert",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.Column("facility_id", GUID(length=16), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("radius_m", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=7), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("armed", sa.Boolean(), nullable=False),
        sa.Column("last_sent_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440 AND end_minute > 0 AND end_minute <= 1440",
            name=op.f("ck_parking_alert_window"),
        ),
        sa.CheckConstraint("threshold >= 1", name=op.f("ck_parking_alert_threshold")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["core_device.id"], name=op.f("fk_parking_alert_device_id_core_device"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["parking_facility.id"],
            name=op.f("fk_parking_alert_facility_id_parking_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_alert")),
    )
    with op.batch_alter_table("parking_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parking_alert_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_parking_alert_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_parking_alert_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "parking_favourite",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.Column("facility_id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["core_device.id"],
            name=op.f("fk_parking_favourite_device_id_core_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["parking_facility.id"],
            name=op.f("fk_parking_favourite_facility_id_parking_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_favourite")),
        sa.UniqueConstraint("device_id", "facility_id", name="uq_parking_favourite"),
    )
    with op.batch_alter_table("parking_favourite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parking_favourite_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_parking_favourite_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_parking_favourite_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("parking_favourite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parking_favourite_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_parking_favourite_facility_id"))
        batch_op.drop_index(batch_op.f("ix_parking_favourite_device_id"))

    op.drop_table("parking_favourite")
    with op.batch_alter_table("parking_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parking_alert_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_parking_alert_facility_id"))
        batch_op.drop_index(batch_op.f("ix_parking_alert_device_id"))

    op.drop_table("parking_alert")
