"""The dialogue: comment threads, pseudonyms, comments, reports, the moderation log

Revision ID: ideas_0002
Revises: ideas_0001
Create Date: 2026-12-03 14:35:15.437084
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "ideas_0002"
down_revision: str | None = "ideas_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _city_owned() -> list[sa.Column[object]]:
    """The columns of every TenantOwned table: the city, the sentinel and the audit timestamps."""
    return [
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def _thread() -> None:
    op.create_table(
        "ideas_thread",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("subject_id", GUID(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        *_city_owned(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_thread")),
        sa.UniqueConstraint("tenant_id", "subject", "subject_id", name="uq_ideas_thread_subject"),
    )
    with op.batch_alter_table("ideas_thread", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_thread_tenant_id"), ["tenant_id"], unique=False)


def _participant() -> None:
    op.create_table(
        "ideas_participant",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("thread_id", GUID(length=16), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("pseudonym_key", sa.String(length=40), nullable=False),
        *_city_owned(),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["ideas_thread.id"],
            name=op.f("fk_ideas_participant_thread_id_ideas_thread"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_participant")),
        sa.UniqueConstraint("thread_id", "device_id", name="uq_ideas_participant_device"),
        sa.UniqueConstraint("thread_id", "pseudonym_key", name="uq_ideas_participant_pseudonym"),
    )
    with op.batch_alter_table("ideas_participant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_participant_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_participant_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_participant_thread_id"), ["thread_id"], unique=False)


def _comment() -> None:
    op.create_table(
        "ideas_comment",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("thread_id", GUID(length=16), nullable=False),
        sa.Column("participant_id", GUID(length=16), nullable=True),
        sa.Column("staff_id", GUID(length=16), nullable=True),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        *_city_owned(),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["ideas_participant.id"],
            name=op.f("fk_ideas_comment_participant_id_ideas_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["ideas_thread.id"], name=op.f("fk_ideas_comment_thread_id_ideas_thread"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_comment")),
    )
    with op.batch_alter_table("ideas_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_comment_participant_id"), ["participant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_comment_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_ideas_comment_thread", ["thread_id", "state", "id"], unique=False)


def _comment_report() -> None:
    op.create_table(
        "ideas_comment_report",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("comment_id", GUID(length=16), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        *_city_owned(),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["ideas_comment.id"],
            name=op.f("fk_ideas_comment_report_comment_id_ideas_comment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_comment_report")),
        sa.UniqueConstraint("comment_id", "device_id", name="uq_ideas_comment_report"),
    )
    with op.batch_alter_table("ideas_comment_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_comment_report_comment_id"), ["comment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_comment_report_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_comment_report_tenant_id"), ["tenant_id"], unique=False)


def _moderation_log() -> None:
    op.create_table(
        "ideas_moderation_log",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("thread_id", GUID(length=16), nullable=False),
        sa.Column("comment_id", GUID(length=16), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("staff_id", GUID(length=16), nullable=True),
        *_city_owned(),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["ideas_comment.id"],
            name=op.f("fk_ideas_moderation_log_comment_id_ideas_comment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["ideas_thread.id"],
            name=op.f("fk_ideas_moderation_log_thread_id_ideas_thread"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_moderation_log")),
    )
    with op.batch_alter_table("ideas_moderation_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_moderation_log_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_moderation_log_thread_id"), ["thread_id"], unique=False)


def upgrade() -> None:
    _thread()
    _participant()
    _comment()
    _comment_report()
    _moderation_log()


def downgrade() -> None:
    with op.batch_alter_table("ideas_moderation_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_moderation_log_thread_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_moderation_log_tenant_id"))

    op.drop_table("ideas_moderation_log")
    with op.batch_alter_table("ideas_comment_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_comment_report_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_comment_report_device_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_comment_report_comment_id"))

    op.drop_table("ideas_comment_report")
    with op.batch_alter_table("ideas_comment", schema=None) as batch_op:
        batch_op.drop_index("ix_ideas_comment_thread")
        batch_op.drop_index(batch_op.f("ix_ideas_comment_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_comment_participant_id"))

    op.drop_table("ideas_comment")
    with op.batch_alter_table("ideas_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_participant_thread_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_participant_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_participant_device_id"))

    op.drop_table("ideas_participant")
    with op.batch_alter_table("ideas_thread", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_thread_tenant_id"))

    op.drop_table("ideas_thread")
