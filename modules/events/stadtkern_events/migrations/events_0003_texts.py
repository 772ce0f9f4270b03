"""events: title and description as language-keyed JSON instead of one column per language

Revision ID: events_0003
Revises: events_0002
Create Date: 2026-11-24

A city that adds Turkish or Arabic to its manifest gets them in events without a migration of its
own: ``title_de``/``title_en``/``description_de``/``description_en`` become ``title`` and
``description`` holding ``{"de": ..., "en": ...}`` (the shape participation and push store).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "events_0003"
down_revision: str | None = "events_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "events_event"
OLD = ("title_de", "title_en", "description_de", "description_en")


def _texts(**values: str | None) -> dict[str, str] | None:
    return {locale: value for locale, value in values.items() if value} or None


def _copy(source: sa.TableClause, target: sa.TableClause, convert: Any) -> None:
    """Row by row in Python: building JSON in SQL differs between SQLite and PostgreSQL."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(*source.c)).mappings().all()
    if rows:
        stmt = target.update().where(target.c.id == sa.bindparam("row_id"))
        bind.execute(stmt, [{"row_id": row["id"], **convert(row)} for row in rows])


def _old_columns() -> list[sa.ColumnClause[Any]]:
    return [sa.column(name, sa.String()) for name in OLD]


def upgrade() -> None:
    # SQLite adds a NOT NULL column only with a default; every row gets its value just below.
    op.add_column(TABLE, sa.Column("title", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.add_column(TABLE, sa.Column("description", sa.JSON(), nullable=True))
    old = sa.table(TABLE, sa.column("id"), *_old_columns())
    new = sa.table(TABLE, sa.column("id"), sa.column("title", sa.JSON()), sa.column("description", sa.JSON()))
    _copy(
        old,
        new,
        lambda row: {
            "title": _texts(de=row["title_de"], en=row["title_en"]) or {},
            "description": _texts(de=row["description_de"], en=row["description_en"]),
        },
    )
    for name in OLD:  # plain columns: SQLite (3.35+) drops them in place, no table rebuild
        op.drop_column(TABLE, name)


def downgrade() -> None:
    op.add_column(TABLE, sa.Column("title_de", sa.String(300), nullable=False, server_default=""))
    op.add_column(TABLE, sa.Column("title_en", sa.String(300), nullable=True))
    op.add_column(TABLE, sa.Column("description_de", sa.Text(), nullable=True))
    op.add_column(TABLE, sa.Column("description_en", sa.Text(), nullable=True))
    new = sa.table(TABLE, sa.column("id"), sa.column("title", sa.JSON()), sa.column("description", sa.JSON()))
    old = sa.table(TABLE, sa.column("id"), *_old_columns())

    def convert(row: Any) -> dict[str, str | None]:
        title, description = row["title"] or {}, row["description"] or {}
        first = next(iter(title.values()), "")  # a city without German keeps its primary text
        return {
            "title_de": (title.get("de") or first)[:300],
            "title_en": (title.get("en") or None) and title["en"][:300],
            "description_de": description.get("de") or next(iter(description.values()), None),
            "description_en": description.get("en"),
        }

    _copy(new, old, convert)
    op.drop_column(TABLE, "description")
    op.drop_column(TABLE, "title")
