"""participation: store answers, markers and result opt-ins in random-key order (SQLite WITHOUT ROWID)

A submission inserts its marker, its response and (opted in) its result subscription in one
transaction, so an ordinary table's physical order (SQLite rowid, PostgreSQL heap) lines up the
k-th marker with the k-th response. On SQLite this revision rebuilds the three tables as
``WITHOUT ROWID`` tables keyed by their random UUIDv4: SQLite then stores them in key order. On
PostgreSQL there is no such table kind; the module's ``anonymity-reorder`` job rewrites and
re-clusters them on their primary key instead (nothing to change in the schema here).

Revision ID: participation_0002
Revises: participation_0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

revision: str = "participation_0002"
down_revision: str | None = "participation_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _survey_fk() -> sa.Column[object]:
    return sa.Column(
        "survey_id", GUID(length=16), sa.ForeignKey("participation_survey.id", ondelete="CASCADE"), nullable=False
    )


def _columns(table: str) -> list[sa.Column[object] | sa.Constraint]:
    """The columns and constraints of the three tables, as participation_0001 created them."""
    key: list[sa.Column[object] | sa.Constraint] = [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),  # advanced-alchemy's insert sentinel
    ]
    if table == "participation_response":
        return [
            *key,
            sa.Column("tenant_id", sa.String(63), nullable=False),
            _survey_fk(),
            sa.Column("submitted_on", sa.Date(), nullable=False),
            sa.Column("answers", sa.JSON(), nullable=False),
        ]
    if table == "participation_marker":
        return [
            *key,
            _survey_fk(),
            sa.Column("marker", sa.String(64), nullable=False),
            sa.UniqueConstraint("survey_id", "marker", name="uq_participation_marker"),
        ]
    return [
        *key,
        _survey_fk(),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.UniqueConstraint("survey_id", "device_id", name="uq_participation_result_subscription"),
    ]


# table -> its plain (non-unique) indexes, as participation_0001 created them
INDEXES: dict[str, list[str]] = {
    "participation_response": ["tenant_id", "survey_id"],
    "participation_marker": [],
    "participation_result_subscription": ["device_id"],
}


def _rebuild(table: str, *, with_rowid: bool) -> None:
    """SQLite cannot change a table's kind in place: copy it into a new table of the other kind."""
    names = [c.name for c in _columns(table) if isinstance(c, sa.Column)]
    new = f"{table}__new"
    op.create_table(new, *_columns(table), sqlite_with_rowid=with_rowid)
    cols = ", ".join(names)
    # ORDER BY the random key: even the copy's order says nothing about the submissions.
    op.execute(f"INSERT INTO {new} ({cols}) SELECT {cols} FROM {table} ORDER BY id")  # noqa: S608
    op.drop_table(table)  # drops its indexes too
    op.rename_table(new, table)
    for column in INDEXES[table]:
        op.create_index(f"ix_{table}_{column}", table, [column])


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL: see the module docstring (the anonymity-reorder job)
    for table in INDEXES:
        _rebuild(table, with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in INDEXES:
        _rebuild(table, with_rowid=True)
