"""events: occurrences carry their event's point and grid cells ("near me, soonest first")

Revision ID: events_0006
Revises: events_0005
Create Date: 2026-12-03

See ``stadtkern_events.near_cells``: ``lat``/``lon`` and ``cell_s``/``cell_m``/``cell_l`` on every
occurrence, each cell column with an index of (city, published, cell, start, event, end, status,
point). Existing occurrences get their event's point and cells here (the cells computed in Python,
by the module's formula of this revision).
"""

import math
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "events_0006"
down_revision: str | None = "events_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CELLS = ("cell_s", "cell_m", "cell_l")
COVERED = ("ends_at", "status", "lat", "lon")
# near_cells.LEVELS and cell_number as they were at this revision (a migration does not follow later code).
SIZES = {"cell_s": (0.01, 0.015), "cell_m": (0.04, 0.06), "cell_l": (0.16, 0.24)}


def cells_of(lat: float, lon: float) -> dict[str, int]:
    return {
        name: (math.floor(lat / height) + 10_000) * 65_536 + math.floor(lon / width) + 30_000
        for name, (height, width) in SIZES.items()
    }


def upgrade() -> None:
    for name in ("lat", "lon"):
        op.add_column("events_occurrence", sa.Column(name, sa.Float(), nullable=True))
    for name in CELLS:
        op.add_column("events_occurrence", sa.Column(name, sa.Integer(), nullable=True))
    bind = op.get_bind()
    events = bind.execute(sa.text("SELECT id, lat, lon FROM events_event WHERE lat IS NOT NULL AND lon IS NOT NULL"))
    rows = [{"id": row.id, "lat": row.lat, "lon": row.lon, **cells_of(row.lat, row.lon)} for row in events]
    if rows:
        bind.execute(
            sa.text(
                "UPDATE events_occurrence SET lat = :lat, lon = :lon, "
                "cell_s = :cell_s, cell_m = :cell_m, cell_l = :cell_l WHERE event_id = :id"
            ),
            rows,
        )
    for name in CELLS:
        op.create_index(
            f"ix_events_occurrence_{name}",
            "events_occurrence",
            ["tenant_id", "published", name, "starts_at", "event_id", *COVERED],
        )


def downgrade() -> None:
    for name in CELLS:
        op.drop_index(f"ix_events_occurrence_{name}", table_name="events_occurrence")
    # Plain DROP COLUMN (SQLite 3.35+), as in events_0005.
    for name in (*CELLS, "lat", "lon"):
        op.execute(f"ALTER TABLE events_occurrence DROP COLUMN {name}")
