"""events: full-text search from a stored, weighted German vector (title above the rest)

Revision ID: events_0005
Revises: events_0004
Create Date: 2026-12-03

Adds ``search_title`` (every language's title, lower-cased; filled here from ``title``) and the
text index of ``core.api.create_text_index``: on PostgreSQL a stored generated ``search_vector``
(title weight A, ``search_text`` weight B) with a GIN index, replacing the expression index of
events_0001 that made every query recompute ``to_tsvector`` per row; on SQLite an FTS5 table kept
in sync by triggers. A later migration that rebuilds ``events_event`` on SQLite (a batch
``recreate``) must drop this index before and create it again after, like the point index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.api import TextIndex, create_text_index, drop_text_index, is_postgres

revision: str = "events_0005"
down_revision: str | None = "events_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the models: a migration stays what it was when it ran.
TEXT_INDEX = TextIndex("events_event", (("search_title", "A"), ("search_text", "B")))


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("events_event", sa.Column("search_title", sa.Text(), nullable=False, server_default=""))
    if is_postgres(bind):
        op.execute("DROP INDEX IF EXISTS ix_events_event_fts")
        op.execute(
            "UPDATE events_event SET search_title = "
            "lower(coalesce((SELECT string_agg(value, ' ') FROM json_each_text(title)), ''))"
        )
    else:
        op.execute(
            "UPDATE events_event SET search_title = "
            "lower(coalesce((SELECT group_concat(value, ' ') FROM json_each(title)), ''))"
        )
    create_text_index(bind, TEXT_INDEX)


def downgrade() -> None:
    bind = op.get_bind()
    drop_text_index(bind, TEXT_INDEX)
    if is_postgres(bind):
        op.execute(
            "CREATE INDEX ix_events_event_fts ON events_event USING gin (to_tsvector('german'::regconfig, search_text))"
        )
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would lose the point index's triggers.
    op.execute("ALTER TABLE events_event DROP COLUMN search_title")
