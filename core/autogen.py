"""Alembic autogenerate hooks shared by ``core/migrations/env.py`` and ``stadtkern revision --check``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from alembic.autogenerate.api import AutogenContext

from core.api.text_search import VECTOR_COLUMN

IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def include_only(owns_table: Callable[[str], bool] | None) -> IncludeObject:
    """Compare only one lineage's tables: every lineage shares one metadata and one database."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        # core.api.create_text_index adds them outside the models (a generated column, its GIN index)
        if (
            reflected
            and compare_to is None
            and (
                (type_ == "column" and name == VECTOR_COLUMN) or (type_ == "index" and (name or "").endswith("_search"))
            )
        ):
            return False
        if owns_table is None:
            return True
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table is None or owns_table(table)

    return include


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """advanced-alchemy's column types as ``GUID(length=16)`` with their import, not a dotted path."""
    if type_ == "type" and type(obj).__module__.startswith("advanced_alchemy."):
        import advanced_alchemy.types

        name = type(obj).__name__
        if getattr(advanced_alchemy.types, name, None) is type(obj):
            autogen_context.imports.add(f"from advanced_alchemy.types import {name}")
            return repr(obj)
    return False


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Leave advanced-alchemy's types alone: SQLite reflects them as their storage type (NUMERIC)."""
    if type(metadata_type).__module__.startswith("advanced_alchemy."):
        return False
    return None  # alembic's own comparison for everything else


def _fk_key(fk: Any) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    return (
        fk.parent.name,
        tuple(c.name for c in fk.columns),
        fk.referred_table.name,
        tuple(e.column.name for e in fk.elements),
    )


def without_sqlite_column_fk_noise(diffs: list[Any], dialect_name: str) -> list[Any]:
    """``diffs`` without the remove/add pairs of one foreign key that SQLite cannot describe.

    A column added with ``ALTER TABLE … ADD COLUMN … REFERENCES`` (the only way to add a foreign
    key on SQLite without rebuilding the table, whose drop would cascade into its dependants)
    reflects without its name and its ``ON DELETE``: autogenerate then asks to remove it and add it
    again. Only such pairs go: same table, columns and target, the reflected one unnamed."""
    if dialect_name != "sqlite":
        return diffs
    unnamed = {_fk_key(d[1]) for d in diffs if isinstance(d, tuple) and d[0] == "remove_fk" and d[1].name is None}
    wanted = {_fk_key(d[1]) for d in diffs if isinstance(d, tuple) and d[0] == "add_fk"}
    both = unnamed & wanted

    def noise(d: Any) -> bool:
        if not (isinstance(d, tuple) and d[0] in ("remove_fk", "add_fk") and _fk_key(d[1]) in both):
            return False
        return d[0] == "add_fk" or d[1].name is None

    return [d for d in diffs if not noise(d)]
