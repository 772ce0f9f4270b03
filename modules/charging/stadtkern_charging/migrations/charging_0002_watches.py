"""favourites, watches (tell me when it is free), outage alerts

Revision ID: charging_0002
Revises: charging_0001
Create Date: 2026-12-03 15:03:52.254823
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "charging_0002"
down_revision: str | None = "charging_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _favourite() -> None:
    op.create_table(
        "charging_favourite",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.Column("location_id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["core_device.id"],
            name=op.f("fk_charging_favourite_device_id_core_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["charging_location.id"],
            name=op.f("fk_charging_favourite_location_id_charging_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_favourite")),
        sa.UniqueConstraint("device_id", "location_id", name="uq_charging_favourite"),
    )
    with op.batch_alter_table("charging_favourite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charging_favourite_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_charging_favourite_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_charging_favourite_tenant_id"), ["tenant_id"], unique=False)


def _watch() -> None:
    op.create_table(
        "charging_watch",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.Column("location_id", GUID(length=16), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("radius_m", sa.Integer(), nullable=True),
        sa.Column("plugs", sa.JSON(), nullable=False),
        sa.Column("min_power_w", sa.Integer(), nullable=True),
        sa.Column("starts_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ends_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("pushes", sa.Integer(), nullable=False),
        sa.Column("notified_evse_id", GUID(length=16), nullable=True),
        sa.Column("last_push_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["core_device.id"], name=op.f("fk_charging_watch_device_id_core_device"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["charging_location.id"],
            name=op.f("fk_charging_watch_location_id_charging_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_watch")),
    )
    with op.batch_alter_table("charging_watch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charging_watch_device_id"), ["device_id"], unique=False)
        batch_op.create_index("ix_charging_watch_open", ["tenant_id", "state", "ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_charging_watch_tenant_id"), ["tenant_id"], unique=False)


def _outage_alert() -> None:
    op.create_table(
        "charging_outage_alert",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("evse_id", GUID(length=16), nullable=False),
        sa.Column("since", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evse_id"],
            ["charging_evse.id"],
            name=op.f("fk_charging_outage_alert_evse_id_charging_evse"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_outage_alert")),
        sa.UniqueConstraint("evse_id", "since", name="uq_charging_outage_alert"),
    )
    with op.batch_alter_table("charging_outage_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charging_outage_alert_tenant_id"), ["tenant_id"], unique=False)


def upgrade() -> None:
    _favourite()
    _watch()
    _outage_alert()


def downgrade() -> None:
    with op.batch_alter_table("charging_outage_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charging_outage_alert_tenant_id"))

    op.drop_table("charging_outage_alert")
    with op.batch_alter_table("charging_watch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charging_watch_tenant_id"))
        batch_op.drop_index("ix_charging_watch_open")
        batch_op.drop_index(batch_op.f("ix_charging_watch_device_id"))

    op.drop_table("charging_watch")
    with op.batch_alter_table("charging_favourite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charging_favourite_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_charging_favourite_location_id"))
        batch_op.drop_index(batch_op.f("ix_charging_favourite_device_id"))

    op.drop_table("charging_favourite")
