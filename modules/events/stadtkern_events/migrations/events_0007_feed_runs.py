"""events: the report of each feed import, and a changed occurrence's own title and place

Revision ID: events_0007
Revises: events_0006
Create Date: 2026-12-04

``events_feed_run``: one row per import of a feed or an uploaded file (fetched bytes; created,
updated, unchanged, removed and skipped events; the outcome — applied, refused by the
mass-removal guard, or failed — and a note per skipped or repaired item), read by editors through
``GET /feeds``. ``events_occurrence`` gains ``own_title``, ``own_place_name`` and
``own_place_address``: set on a changed occurrence (RECURRENCE-ID) that has its own, else NULL
(the event's). Existing rows keep NULL, which is what they showed before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "events_0007"
down_revision: str | None = "events_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = ("fetched_bytes", "created", "updated", "unchanged", "removed", "skipped")
OWN = (
    ("own_title", sa.JSON()),
    ("own_place_name", sa.String(length=200)),
    ("own_place_address", sa.String(length=300)),
)


def upgrade() -> None:
    op.create_table(
        "events_feed_run",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("feed", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("started_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("finished_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events_feed_run")),
    )
    op.create_index("ix_events_feed_run_tenant_id", "events_feed_run", ["tenant_id"])
    op.create_index("ix_events_feed_run_feed", "events_feed_run", ["tenant_id", "feed", "started_at"])
    for name, kind in OWN:
        op.add_column("events_occurrence", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), as in events_0005 and events_0006.
    for name, _ in OWN:
        op.execute(f"ALTER TABLE events_occurrence DROP COLUMN {name}")
    op.drop_index("ix_events_feed_run_feed", table_name="events_feed_run")
    op.drop_index("ix_events_feed_run_tenant_id", table_name="events_feed_run")
    op.drop_table("events_feed_run")
