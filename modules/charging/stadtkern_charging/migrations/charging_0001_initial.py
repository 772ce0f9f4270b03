"""initial: OCPI locations, EVSEs, connectors, status history, import runs, partners

Revision ID: charging_0001
Revises:
Create Date: 2026-12-03 14:28:49.431264
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

from core.api import create_point_index, drop_point_index

revision: str = "charging_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _import_run() -> None:
    op.create_table(
        "charging_import_run",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("source", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("finished_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("repaired", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("outside", sa.Integer(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("next_date_from", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_import_run")),
    )
    with op.batch_alter_table("charging_import_run", schema=None) as batch_op:
        batch_op.create_index("ix_charging_import_run_source", ["tenant_id", "source", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_charging_import_run_tenant_id"), ["tenant_id"], unique=False)


def _location() -> None:
    op.create_table(
        "charging_location",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("source", sa.String(length=48), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("ocpi_id", sa.String(length=36), nullable=False),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("publish_allowed_to", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=60), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("related_locations", sa.JSON(), nullable=False),
        sa.Column("parking_type", sa.String(length=24), nullable=True),
        sa.Column("directions", sa.JSON(), nullable=False),
        sa.Column("operator", sa.JSON(), nullable=True),
        sa.Column("suboperator", sa.JSON(), nullable=True),
        sa.Column("owner", sa.JSON(), nullable=True),
        sa.Column("operator_key", sa.String(length=100), nullable=True),
        sa.Column("facilities", sa.JSON(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("opening_times", sa.JSON(), nullable=True),
        sa.Column("always_open", sa.Boolean(), nullable=False),
        sa.Column("charging_when_closed", sa.Boolean(), nullable=True),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("energy_mix", sa.JSON(), nullable=True),
        sa.Column("payment_mask", sa.Integer(), nullable=False),
        sa.Column("declared_payment_mask", sa.Integer(), nullable=False),
        sa.Column("free_of_charge", sa.Boolean(), nullable=True),
        sa.Column("last_updated", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_location")),
        sa.UniqueConstraint("tenant_id", "source", "source_id", name="uq_charging_location_source"),
    )
    with op.batch_alter_table("charging_location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charging_location_operator_key"), ["operator_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_charging_location_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_charging_location_tenant_updated", ["tenant_id", "updated_at"], unique=False)


def _partner() -> None:
    op.create_table(
        "charging_partner",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_push_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_partner")),
        sa.UniqueConstraint("tenant_id", "country_code", "party_id", name="uq_charging_partner_party"),
        sa.UniqueConstraint("token_hash", name="uq_charging_partner_token"),
    )
    with op.batch_alter_table("charging_partner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charging_partner_tenant_id"), ["tenant_id"], unique=False)


def _evse() -> None:
    op.create_table(
        "charging_evse",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("location_id", GUID(length=16), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("evse_id", sa.String(length=48), nullable=True),
        sa.Column("evse_key", sa.String(length=48), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_since", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("status_reported_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("status_schedule", sa.JSON(), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("floor_level", sa.String(length=4), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("physical_reference", sa.String(length=16), nullable=True),
        sa.Column("directions", sa.JSON(), nullable=False),
        sa.Column("parking_restrictions", sa.JSON(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("last_updated", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["charging_location.id"],
            name=op.f("fk_charging_evse_location_id_charging_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_evse")),
        sa.UniqueConstraint("location_id", "uid", name="uq_charging_evse_uid"),
    )
    with op.batch_alter_table("charging_evse", schema=None) as batch_op:
        batch_op.create_index("ix_charging_evse_key", ["tenant_id", "evse_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_charging_evse_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_charging_evse_tenant_id"), ["tenant_id"], unique=False)


def _connector() -> None:
    op.create_table(
        "charging_connector",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("evse_id", GUID(length=16), nullable=False),
        sa.Column("location_id", GUID(length=16), nullable=False),
        sa.Column("connector_id", sa.String(length=36), nullable=False),
        sa.Column("standard", sa.String(length=24), nullable=False),
        sa.Column("format", sa.String(length=6), nullable=False),
        sa.Column("power_type", sa.String(length=16), nullable=False),
        sa.Column("max_voltage", sa.Integer(), nullable=False),
        sa.Column("max_amperage", sa.Integer(), nullable=False),
        sa.Column("max_electric_power", sa.Integer(), nullable=True),
        sa.Column("power_w", sa.Integer(), nullable=False),
        sa.Column("tariff_ids", sa.JSON(), nullable=False),
        sa.Column("terms_and_conditions", sa.String(length=500), nullable=True),
        sa.Column("last_updated", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evse_id"],
            ["charging_evse.id"],
            name=op.f("fk_charging_connector_evse_id_charging_evse"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["charging_location.id"],
            name=op.f("fk_charging_connector_location_id_charging_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_connector")),
        sa.UniqueConstraint("evse_id", "connector_id", name="uq_charging_connector_id"),
    )
    with op.batch_alter_table("charging_connector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charging_connector_evse_id"), ["evse_id"], unique=False)
        batch_op.create_index("ix_charging_connector_plug", ["location_id", "standard", "power_w"], unique=False)
        batch_op.create_index(batch_op.f("ix_charging_connector_tenant_id"), ["tenant_id"], unique=False)


def _status_change() -> None:
    op.create_table(
        "charging_status_change",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("evse_id", GUID(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("previous", sa.String(length=12), nullable=True),
        sa.Column("at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=48), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evse_id"],
            ["charging_evse.id"],
            name=op.f("fk_charging_status_change_evse_id_charging_evse"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_status_change")),
    )
    with op.batch_alter_table("charging_status_change", schema=None) as batch_op:
        batch_op.create_index("ix_charging_status_change_evse", ["evse_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_charging_status_change_tenant_id"), ["tenant_id"], unique=False)


def upgrade() -> None:
    _import_run()
    _location()
    _partner()
    _evse()
    _connector()
    _status_change()
    # "Near me" through the spatial index (PostGIS GiST; SQLite R*Tree kept in step by triggers).
    create_point_index(op.get_bind(), "charging_location")


def downgrade() -> None:
    drop_point_index(op.get_bind(), "charging_location")
    with op.batch_alter_table("charging_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charging_status_change_tenant_id"))
        batch_op.drop_index("ix_charging_status_change_evse")

    op.drop_table("charging_status_change")
    with op.batch_alter_table("charging_connector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charging_connector_tenant_id"))
        batch_op.drop_index("ix_charging_connector_plug")
        batch_op.drop_index(batch_op.f("ix_charging_connector_evse_id"))

    op.drop_table("charging_connector")
    with op.batch_alter_table("charging_evse", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charging_evse_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_charging_evse_location_id"))
        batch_op.drop_index("ix_charging_evse_key")

    op.drop_table("charging_evse")
    with op.batch_alter_table("charging_partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charging_partner_tenant_id"))

    op.drop_table("charging_partner")
    with op.batch_alter_table("charging_location", schema=None) as batch_op:
        batch_op.drop_index("ix_charging_location_tenant_updated")
        batch_op.drop_index(batch_op.f("ix_charging_location_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_charging_location_operator_key"))

    op.drop_table("charging_location")
    with op.batch_alter_table("charging_import_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charging_import_run_tenant_id"))
        batch_op.drop_index("ix_charging_import_run_source")

    op.drop_table("charging_import_run")
