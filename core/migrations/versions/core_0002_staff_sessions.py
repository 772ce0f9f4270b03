"""core: staff sessions (one per sign-in, revocable) and staff invitations (one-time tokens)

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "core_0002"
down_revision: str | None = "core_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audit() -> list[sa.Column[object]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        # advanced-alchemy's insert sentinel for UUID keys (lets SQLAlchemy batch inserts)
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
    ]


def _account(name: str, ondelete: str) -> sa.Column[object]:
    nullable = ondelete == "SET NULL"
    return sa.Column(
        name, GUID(length=16), sa.ForeignKey("core_staff_account.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "core_staff_session",
        *_audit(),
        sa.Column("tenant_id", sa.String(63), nullable=False),
        _account("staff_id", "CASCADE"),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("revoked_at", DateTimeUTC(timezone=True), nullable=True),
    )
    op.create_index("ix_core_staff_session_tenant_id", "core_staff_session", ["tenant_id"])
    op.create_index("ix_core_staff_session_staff_id", "core_staff_session", ["staff_id"])
    op.create_index("ix_core_staff_session_expires_at", "core_staff_session", ["expires_at"])
    op.create_table(
        "core_staff_invitation",
        *_audit(),
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("grants", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("accepted_at", DateTimeUTC(timezone=True), nullable=True),
        _account("invited_by", "SET NULL"),
    )
    op.create_index("ix_core_staff_invitation_tenant_id", "core_staff_invitation", ["tenant_id"])
    op.create_index("ix_core_staff_invitation_email", "core_staff_invitation", ["email"])
    op.create_index("ix_core_staff_invitation_expires_at", "core_staff_invitation", ["expires_at"])


def downgrade() -> None:
    op.drop_table("core_staff_invitation")
    op.drop_table("core_staff_session")
