"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from core.api.dialect import is_postgres

__all__ = ["create_engine", "create_unpooled_engine", "is_postgres", "session_factory"]


def create_engine(
    url: str, *, pool_size: int | None = None, max_overflow: int | None = None, **kwargs: Any
) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Transactions are ours (see _begin below), not the driver's implicit ones.
            dbapi_connection.isolation_level = None
            # Foreign keys make device deletion cascade; WAL lets the worker write while the API reads.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Any) -> None:
            # BEGIN IMMEDIATE takes the write lock up front and waits for it (busy_timeout). With the
            # driver's deferred BEGIN, a transaction that reads and then writes while another process
            # writes fails at once with "database is locked" (its WAL snapshot went stale).
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if pool_size is not None and kwargs.get("poolclass") is None:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = max_overflow if max_overflow is not None else 10
    return create_async_engine(url, **kwargs)


def create_unpooled_engine(url: str) -> AsyncEngine:
    """For one-shot tools (migrate, CLI) and dedicated lock connections."""
    return create_engine(url, poolclass=NullPool)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
