"""events: occurrences carry a duration class, and the long ones an index of their own

Revision ID: events_0008
Revises: events_0007
Create Date: 2026-12-06

A list's window starts at ``from`` and shows what still runs then; with nothing but the end to go
by, the database read every start before ``from`` (at 200,000 events, up to a year of rows for one
page). ``duration_class`` (0: at most 6 hours, 1: 3 days, 2: 45 days, 3: longer; see
``stadtkern_events.models.DURATION_CLASSES``) bounds where such an occurrence can start, and the
few long ones (class > 0) get a partial index by class and start. Existing rows are classified here
from their own start and end.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "events_0008"
down_revision: str | None = "events_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONG_ONLY = "duration_class > 0"
# The classes' longest durations in seconds, as they were at this revision; the half second
# absorbs SQLite's floating-point day arithmetic at an exact bound.
BOUNDS = (6 * 3600 + 0.5, 3 * 86400 + 0.5, 45 * 86400 + 0.5)


def upgrade() -> None:
    op.add_column(
        "events_occurrence", sa.Column("duration_class", sa.SmallInteger(), nullable=False, server_default="0")
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        seconds = "EXTRACT(EPOCH FROM ends_at - starts_at)"
    else:
        seconds = "(julianday(ends_at) - julianday(starts_at)) * 86400"
    short, days, weeks = BOUNDS
    classes = f"CASE WHEN {seconds} <= {days} THEN 1 WHEN {seconds} <= {weeks} THEN 2 ELSE 3 END"
    op.execute(f"UPDATE events_occurrence SET duration_class = {classes} WHERE {seconds} > {short}")  # noqa: S608
    op.create_index(
        "ix_events_occurrence_long",
        "events_occurrence",
        ["tenant_id", "published", "duration_class", "starts_at", "event_id"],
        postgresql_where=sa.text(LONG_ONLY),
        sqlite_where=sa.text(LONG_ONLY),
    )


def downgrade() -> None:
    op.drop_index("ix_events_occurrence_long", table_name="events_occurrence")
    # Plain DROP COLUMN (SQLite 3.35+), as in events_0005.
    op.execute("ALTER TABLE events_occurrence DROP COLUMN duration_class")
