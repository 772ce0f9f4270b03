"""The one place that tells PostgreSQL from SQLite, for the few statements that differ.

Both databases run every feature (DESIGN §5); where PostgreSQL has a stronger tool (``FOR UPDATE
SKIP LOCKED``, ``CLUSTER``, a lock-free version read) the module asks :func:`is_postgres` and
keeps a tested fallback for SQLite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

Bindable = AsyncSession | AsyncConnection | AsyncEngine | Session | Connection | Engine


def is_postgres(bind: Bindable) -> bool:
    """True on PostgreSQL, False on SQLite; takes a session, a connection or an engine (also
    Alembic's ``op.get_bind()``)."""
    if isinstance(bind, AsyncSession | Session):
        return bind.get_bind().dialect.name == "postgresql"
    return bind.dialect.name == "postgresql"


def insert_for(bind: Bindable, target: Any) -> Any:
    """The database's own ``INSERT`` for ``target`` (a model or table), the kind with
    ``on_conflict_do_nothing()``/``on_conflict_do_update()`` (both databases spell them alike)."""
    return (postgresql if is_postgres(bind) else sqlite).insert(target)
