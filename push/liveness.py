"""Whether the dispatcher that claimed a batch still lives, so that a dead one's claims are
taken over at once instead of when their lease runs out.

A dispatcher's run holds a lock that dies with its process, and stamps the lock's number (the
*claimer*, 8 hex digits) into every claim token it writes. Before claiming, a dispatcher asks
whether the claimers of the rows leased to others still hold their locks; the rows of those that
do not are due again at once. The lease stays as the fallback for what a lock cannot tell (on
SQLite a frozen process keeps its ``flock``). The other way round, a database restart
ends every lock: the batches in flight then may go out twice, which the collapse key keeps from
showing twice on a phone.

* PostgreSQL: a session-level advisory lock ``(NAMESPACE, claimer)`` on a connection the run keeps
  checked out; the server drops it with the connection when the process dies (a killed process's
  socket is closed by its kernel). The connection runs with ``idle_session_timeout``
  (``IDLE_TIMEOUT``) and the run pings it every ``PING_SECONDS``: a frozen process (SIGSTOP) or a
  stalled event loop stops pinging, the server ends the session, and the lock goes with it — the
  kernel of a frozen process would keep its socket open forever. ``pg_locks`` lists the live ones.
* SQLite: an exclusive ``flock`` on ``<database file>.push-<claimer>.lock``, which the kernel
  releases when the process dies; a dead claimer's file can be locked by anyone. An in-memory
  database has no other process: nothing to ask.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
import uuid
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from core.api import is_postgres

log = logging.getLogger("stadtkern.push.dispatcher")

NAMESPACE = 0x50555348  # "PUSH": the first key of the two-key advisory locks, apart from the others
PING_SECONDS = 1.0
IDLE_TIMEOUT = "4s"  # four missed pings: a slow one does not cost the lock, a frozen process does
_LIVE_LOCKS = text(
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
    "AND classid::bigint = :namespace AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


# A stamped token has "c" where a random UUID has its version digit "4": a token without a claimer
# (written when no lock could be had, or by an older dispatcher) is never mistaken for a dead one.
STAMPED = "________-____-c%"  # LIKE pattern of stamped tokens


def token_for(claimer: int | None) -> str:
    """A fresh claim token (a UUID's shape) whose first 8 hex digits name the claimer."""
    token = str(uuid.uuid4())
    return token if claimer is None else f"{claimer:08x}{token[8:14]}c{token[15:]}"


def claimer_of(token: str) -> int | None:
    """The claimer a token names, or None (a token that names none)."""
    if len(token) != 36 or token[14] != "c":
        return None
    try:
        return int(token[:8], 16)
    except ValueError:
        return None


class RunLock:
    """The lock one dispatcher run holds while it has claims out (see the module's docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.claimer: int | None = None
        self._conn: AsyncConnection | None = None
        self._file: int | None = None
        self._path: Path | None = None
        self._stop = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None
        self.lost = False  # the lock died under a live run: its next claims rely on their lease

    @classmethod
    async def of(cls, factory: async_sessionmaker[AsyncSession]) -> RunLock:
        """A run lock on the database of ``factory``'s sessions (not yet taken)."""
        async with factory() as session:
            bind = session.bind
        if not isinstance(bind, AsyncEngine):
            raise TypeError("push dispatch needs sessions bound to an engine")
        return cls(bind)

    async def take(self) -> int | None:
        """Takes the lock under a fresh claimer number; returns it (None: no lock to be had, the
        claims then rely on their lease alone)."""
        if self.lost:  # claims naming the dead lock would be taken over at once: lease only
            return None
        if self.claimer is not None:
            return self.claimer
        try:
            if self._engine.dialect.name == "postgresql":
                await self._take_advisory()
            else:
                self._take_file()
        except Exception as exc:  # the send goes on without: the lease still covers a crash
            log.warning("push: no run lock (%r); a crash is taken over when its lease ends", exc)
        if self.claimer is None:  # nothing taken (or no lock to be had): give the connection back
            await self.release()
        return self.claimer

    async def _take_advisory(self) -> None:
        conn = await self._engine.connect()
        self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await self._conn.execute(text(f"SET idle_session_timeout = '{IDLE_TIMEOUT}'"))
        for _ in range(5):  # a number another run holds: draw again
            claimer = secrets.randbelow(2**31 - 1) + 1
            taken = await self._conn.scalar(
                text("SELECT pg_try_advisory_lock(:namespace, :claimer)"), {"namespace": NAMESPACE, "claimer": claimer}
            )
            if taken:
                self.claimer = claimer
                self._stop.clear()
                self._keeper = asyncio.create_task(self._keep(self._conn))
                return

    async def _keep(self, conn: AsyncConnection) -> None:
        # Told to stop, never cancelled: a cancel inside a query would leave the connection unusable.
        while True:
            try:
                await asyncio.wait_for(self._stop.wait(), PING_SECONDS)
                return
            except TimeoutError:
                pass
            try:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), PING_SECONDS * 2)
            except Exception as exc:
                log.warning("push: the run lock was lost (%r); this run's claims rely on their lease", exc)
                self.lost = True
                return

    def _take_file(self) -> None:
        database = _database_file(self._engine)
        if database is None:
            return
        for _ in range(5):
            claimer = secrets.randbelow(2**31 - 1) + 1
            path = lock_path(database, claimer)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.claimer, self._file, self._path = claimer, fd, path
            return

    async def release(self) -> None:
        """Gives the lock up (the run's claims are all recorded by now)."""
        claimer, self.claimer = self.claimer, None
        conn, self._conn = self._conn, None
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            self._stop.set()
            await keeper
        if conn is not None:
            try:
                if self.lost:
                    raise ConnectionError("the lock's session is gone")
                if claimer is not None:
                    await conn.execute(
                        text("SELECT pg_advisory_unlock(:namespace, :claimer)"),
                        {"namespace": NAMESPACE, "claimer": claimer},
                    )
                await conn.execute(text("RESET idle_session_timeout"))  # before the pool hands it out again
                await conn.close()
            except Exception:  # a connection that cannot unlock must not go back to the pool
                with contextlib.suppress(Exception):
                    await conn.invalidate()
        self.lost = False
        fd, self._file = self._file, None
        if fd is not None:
            if self._path is not None:
                with contextlib.suppress(OSError):
                    self._path.unlink()
            os.close(fd)


def _database_file(engine: AsyncEngine | Engine) -> str | None:
    """The SQLite database's file, or None for an in-memory one (no other process to ask)."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def lock_path(database: str, claimer: int) -> Path:
    """The lock file of ``claimer`` beside the SQLite database file."""
    return Path(f"{database}.push-{claimer:08x}.lock")


async def dead_among(session: AsyncSession, claimers: Iterable[int]) -> set[int]:
    """The claimers among ``claimers`` whose run lock is gone (their process died)."""
    wanted = set(claimers)
    if not wanted:
        return set()
    if is_postgres(session):
        live = set((await session.scalars(_LIVE_LOCKS, {"namespace": NAMESPACE})).all())
        return wanted - live
    database = _database_file(session.bind.engine) if session.bind is not None else None
    if database is None:
        return set()
    return {claimer for claimer in wanted if not _file_held(lock_path(database, claimer))}


def _file_held(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False  # never written or already removed: nobody holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # (closing also drops the lock just taken)
    with contextlib.suppress(OSError):
        path.unlink()  # the dead claimer's file, left by its crash
    return False
