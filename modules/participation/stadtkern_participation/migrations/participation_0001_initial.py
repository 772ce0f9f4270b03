"""participation: offers, surveys, anonymous responses and markers, pool, draws, invitations

Revision ID: participation_0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "participation_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> list[sa.Column[object]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        # advanced-alchemy's insert sentinel for UUID keys
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
    ]


def _audit() -> list[sa.Column[object]]:
    return [
        *_id(),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(63), nullable=False, index=True),
    ]


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, DateTimeUTC(timezone=True), nullable=True)


def _offers_and_surveys() -> None:
    op.create_table(
        "participation_offer",
        *_audit(),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("topics", sa.String(1000), nullable=False),
        sa.Column("districts", sa.String(1000), nullable=False),
        _ts("starts_at"),
        _ts("ends_at"),
        sa.Column("place_name", sa.String(200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("registration_url", sa.String(500), nullable=True),
        sa.Column("contact", sa.String(300), nullable=True),
        sa.Column("accessibility", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        _ts("published_at"),
    )
    op.create_index("ix_participation_offer_list", "participation_offer", ["tenant_id", "status", "starts_at"])
    op.create_table(
        "participation_survey",
        *_audit(),
        sa.Column(
            "offer_id",
            GUID(length=16),
            sa.ForeignKey("participation_offer.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("intro", sa.JSON(), nullable=True),
        sa.Column("questions", sa.JSON(), nullable=False),
        _ts("opens_at"),
        _ts("closes_at"),
        sa.Column("districts", sa.String(1000), nullable=False),
        sa.Column("eligible_districts", sa.JSON(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("results_visibility", sa.String(16), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )


def _anonymous_tables() -> None:
    """Responses, markers and result subscriptions: nothing shared between who and what."""
    op.create_table(
        "participation_response",
        *_id(),
        sa.Column("tenant_id", sa.String(63), nullable=False, index=True),
        sa.Column(
            "survey_id",
            GUID(length=16),
            sa.ForeignKey("participation_survey.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
    )
    op.create_table(
        "participation_marker",
        *_id(),
        sa.Column(
            "survey_id", GUID(length=16), sa.ForeignKey("participation_survey.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("marker", sa.String(64), nullable=False),
        sa.UniqueConstraint("survey_id", "marker", name="uq_participation_marker"),
    )
    op.create_table(
        "participation_result_subscription",
        *_id(),
        sa.Column(
            "survey_id", GUID(length=16), sa.ForeignKey("participation_survey.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("device_id", GUID(length=16), nullable=False, index=True),
        sa.UniqueConstraint("survey_id", "device_id", name="uq_participation_result_subscription"),
    )


def _pool_and_draws() -> None:
    op.create_table(
        "participation_pool_member",
        *_audit(),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        _ts("confirmed_at"),
        sa.Column("confirm_token_hash", sa.String(64), nullable=True, index=True),
        sa.Column("manage_token_hash", sa.String(64), nullable=False, index=True),
        _ts("consent_expires_at"),
        _ts("reminder_sent_at"),
        sa.Column("district", sa.String(80), nullable=True),
        sa.Column("age_band", sa.String(16), nullable=True),
        sa.Column("gender", sa.String(16), nullable=True),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=True, index=True),
        sa.UniqueConstraint("tenant_id", "email", name="uq_participation_pool_email"),
    )
    op.create_table(
        "participation_draw",
        *_audit(),
        sa.Column(
            "offer_id",
            GUID(length=16),
            sa.ForeignKey("participation_offer.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(128), nullable=False),
        sa.Column("algorithm", sa.String(64), nullable=False),
        sa.Column("strata_by", sa.JSON(), nullable=False),
        sa.Column("quotas", sa.JSON(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("allocation", sa.JSON(), nullable=False),
        sa.Column("selected", sa.JSON(), nullable=False),
        sa.Column("probabilities", sa.JSON(), nullable=False),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
    )
    op.create_table(
        "participation_invitation",
        *_audit(),
        sa.Column(
            "draw_id",
            GUID(length=16),
            sa.ForeignKey("participation_draw.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "member_id",
            GUID(length=16),
            sa.ForeignKey("participation_pool_member.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("ticket", sa.String(32), nullable=False),
        sa.Column("stratum", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )


def upgrade() -> None:
    _offers_and_surveys()
    _anonymous_tables()
    _pool_and_draws()


def downgrade() -> None:
    for table in (
        "participation_invitation",
        "participation_draw",
        "participation_pool_member",
        "participation_result_subscription",
        "participation_marker",
        "participation_response",
        "participation_survey",
    ):
        op.drop_table(table)
    op.drop_index("ix_participation_offer_list", table_name="participation_offer")
    op.drop_table("participation_offer")
