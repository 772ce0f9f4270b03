"""events: a spatial index on the events' places ("near me" without walking the date index)

Revision ID: events_0004
Revises: events_0003
Create Date: 2026-11-25

PostgreSQL: creates the PostGIS extension if it is missing (a server without PostGIS stops the
migration with the package to install) and a GiST index on the place. SQLite: an R*Tree
(``rtree_events_event``) filled from the existing rows and kept in sync by triggers. See
``core.api.spatial``. A later migration that rebuilds ``events_event`` on SQLite (a batch
``recreate``) must drop the index before and create it again after (the triggers go with the table).
"""

from collections.abc import Sequence

from alembic import op

from core.api import create_point_index, drop_point_index

revision: str = "events_0004"
down_revision: str | None = "events_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_point_index(op.get_bind(), "events_event")


def downgrade() -> None:
    drop_point_index(op.get_bind(), "events_event")
