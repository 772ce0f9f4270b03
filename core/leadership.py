"""Leadership, so that two workers never run the same job.

* PostgreSQL: a dedicated connection (no pool) holds ``pg_try_advisory_lock(LEADER_LOCK_KEY)``
  for as long as the worker leads; the leader pings that connection every poll and stops its
  scheduler as soon as the ping fails (the server releases a session lock with its session).
  The lock is a lease: the connection runs with ``idle_session_timeout`` (the lease, three polls),
  so a leader that stops pinging — a frozen process (SIGSTOP), a stalled event loop, a host that
  hangs — loses its session and with it the lock, and the standby takes over. TCP keepalives
  would not do: the kernel of a frozen process still answers them.
* SQLite (embedded mode): an exclusive, non-blocking ``flock`` on ``<database file>.worker.lock``.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from core.db import create_engine
from core.settings import Settings

log = logging.getLogger("stadtkern.worker")

# Any fixed 64-bit number ("STKWORKR"); distinct from the migration lock in core.migrate.
LEADER_LOCK_KEY = 0x5354_4B57_4F52_4B52
# Upper bound for one lock query (acquire or ping); a hung connection counts as a lost lock.
LOCK_QUERY_TIMEOUT = 10.0


class LeaderLock(Protocol):
    async def try_acquire(self) -> bool: ...

    async def still_held(self) -> bool: ...

    async def release(self) -> None: ...

    async def close(self) -> None: ...


class AdvisoryLock:
    """PostgreSQL: a session-level advisory lock on a dedicated, unpooled, autocommit connection."""

    def __init__(self, url: str, key: int = LEADER_LOCK_KEY, lease_seconds: float | None = None) -> None:
        server_settings = {"idle_session_timeout": str(int(lease_seconds * 1000))} if lease_seconds else {}
        self._engine = create_engine(url, poolclass=NullPool, connect_args={"server_settings": server_settings})
        self._key = key
        self._conn: AsyncConnection | None = None
        self._held = False

    async def _connection(self) -> AsyncConnection:
        if self._conn is None or self._conn.closed:
            conn = await asyncio.wait_for(self._engine.connect(), LOCK_QUERY_TIMEOUT)
            # No transaction stays open on the lock connection ("idle in transaction").
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            self._conn = conn
        return self._conn

    async def _drop(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.invalidate(), LOCK_QUERY_TIMEOUT)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), LOCK_QUERY_TIMEOUT)

    async def try_acquire(self) -> bool:
        try:
            conn = await self._connection()
            got = await asyncio.wait_for(
                conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}), LOCK_QUERY_TIMEOUT
            )
        except BaseException:
            await self._drop()
            raise
        self._held = bool(got)
        return self._held

    async def still_held(self) -> bool:
        if self._conn is None or not self._held:
            return False
        try:
            # The lock lives exactly as long as this session: a live session still holds it.
            await asyncio.wait_for(self._conn.execute(text("SELECT 1")), LOCK_QUERY_TIMEOUT)
        except Exception:
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._conn is not None and self._held:
            try:
                await asyncio.wait_for(
                    self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}),
                    LOCK_QUERY_TIMEOUT,
                )
                self._held = False
            except Exception:
                await self._drop()  # closing the session releases the lock as well

    async def close(self) -> None:
        await self.release()
        await self._drop()
        await self._engine.dispose()


class FileLock:
    """SQLite (embedded mode): an exclusive ``flock`` on a file next to the database file."""

    def __init__(self, path: Path, owner: str) -> None:
        self.path = path
        self._owner = owner
        self._fd: int | None = None

    @classmethod
    def for_database(cls, url: str, owner: str) -> FileLock | None:
        database = make_url(url).database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            return None
        return cls(Path(f"{Path(database).resolve()}.worker.lock"), owner)

    def _acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        if not self._same_file():  # deleted or replaced between open and flock
            self._release()
            return False
        with contextlib.suppress(OSError):  # for operators: who leads
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{self._owner}\n".encode(), 0)
        return True

    def _same_file(self) -> bool:
        if self._fd is None:
            return False
        try:
            held, current = os.fstat(self._fd), os.stat(self.path)
        except OSError:
            return False
        return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)

    def _release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    async def try_acquire(self) -> bool:
        return self._acquire()

    async def still_held(self) -> bool:
        # Someone deleting the lock file would let a second worker lock a new one: step down then.
        return self._same_file()

    async def release(self) -> None:
        self._release()

    async def close(self) -> None:
        self._release()


class InProcessLock:
    """In-memory SQLite has one process by definition; the lock always succeeds."""

    def __init__(self) -> None:
        self._held = False

    async def try_acquire(self) -> bool:
        self._held = True
        return True

    async def still_held(self) -> bool:
        return self._held

    async def release(self) -> None:
        self._held = False

    async def close(self) -> None:
        self._held = False


def leader_lock(settings: Settings, owner: str) -> LeaderLock:
    if settings.is_sqlite:
        return FileLock.for_database(settings.database_url, owner) or InProcessLock()
    # Three missed polls (at least 10 s): one slow ping does not cost the lease, a frozen leader does.
    return AdvisoryLock(settings.database_url, lease_seconds=max(10.0, 3 * settings.leader_poll_seconds))
