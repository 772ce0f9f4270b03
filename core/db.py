"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from core.api.dialect import is_postgres

__all__ = ["Timeouts", "create_engine", "create_unpooled_engine", "is_postgres", "session_factory"]


@dataclass(frozen=True)
class Timeouts:
    """Bounds on every wait of a request (seconds): opening a connection, one statement, and
    waiting for a pooled connection. A request that would wait longer fails fast as a 503 with
    ``Retry-After`` (core.http.problems) instead of queueing for seconds behind a sick database."""

    connect: float = 5.0
    statement: float = 15.0
    pool: float = 3.0


def _postgres_timeouts(timeouts: Timeouts, kwargs: dict[str, Any]) -> None:
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("timeout", timeouts.connect)
    # The server cancels a statement after statement_timeout; the client gives up a little later,
    # so a hung server (no answer at all) does not hang the request either.
    connect_args.setdefault("command_timeout", timeouts.statement + 2)
    settings = dict(connect_args.get("server_settings", {}))
    settings.setdefault("statement_timeout", str(int(timeouts.statement * 1000)))
    connect_args["server_settings"] = settings
    kwargs["connect_args"] = connect_args
    if kwargs.get("poolclass") is None:
        kwargs["pool_timeout"] = timeouts.pool


def create_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    timeouts: Timeouts | None = None,
    **kwargs: Any,
) -> AsyncEngine:
    """An engine for ``url``; ``timeouts`` bound the waits of request-serving engines (the API's)."""
    # JSON columns are read with msgspec: the stdlib decoder was the largest single cost of mapping a
    # list page's rows (a JSON title, images, ... per row). Written with the stdlib as before.
    kwargs.setdefault("json_deserializer", msgspec.json.decode)
    if url.startswith("sqlite"):
        # How long a statement waits for SQLite's write lock: the statement timeout of a request.
        busy_ms = int((timeouts.statement if timeouts is not None else 30.0) * 1000)
        if kwargs.get("poolclass") is None:
            if timeouts is not None:
                kwargs["pool_timeout"] = timeouts.pool
            if pool_size is not None:
                kwargs["pool_size"] = pool_size
                kwargs["max_overflow"] = max_overflow if max_overflow is not None else 10
        engine = create_async_engine(url, connect_args={"timeout": busy_ms / 1000}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Transactions are ours (see _begin below), not the driver's implicit ones.
            dbapi_connection.isolation_level = None
            # Foreign keys make device deletion cascade; WAL lets the worker write while the API reads.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
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
    if timeouts is not None:
        _postgres_timeouts(timeouts, kwargs)
    if pool_size is not None and kwargs.get("poolclass") is None:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = max_overflow if max_overflow is not None else 10
    return create_async_engine(url, **kwargs)


def create_unpooled_engine(url: str) -> AsyncEngine:
    """For one-shot tools (migrate, CLI) and dedicated lock connections."""
    return create_engine(url, poolclass=NullPool)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
