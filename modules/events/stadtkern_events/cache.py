"""Encoded pages of the residents' list, cached per API process and never served stale.

Correctness rests on two facts, checked on every request:

* **Writes.** Every write that can change what the list shows (staff create/update/publish/
  unpublish/delete, bulk import, feed import, the horizon job) bumps the city's row in
  ``events_version`` *first* in its transaction (so writers of one city take that row lock
  before any other and cannot deadlock on it). A cached page is keyed by the version it was
  built under. Each request reads the current version from the database through a read that
  *started after the request arrived* — so any write committed before the request is seen, in
  every API process. Concurrent requests share such reads (``VersionReader``): a read takes
  callers until it is sent; whoever comes later waits for the next one. One round trip thus
  serves several requests, never one that arrived after it was sent.
* **Time.** A page also stores the earliest moment its content could change by time alone:
  when a listed occurrence (or the first one after the page, which decides ``next_cursor``)
  ends and drops out, when a ``today``/``weekend`` window rolls over, and, for a page that
  is not full under the moving horizon, when the next occurrence enters the window. It is
  never served at or after that moment.

The version is read *before* the page query runs: a write that lands in between can only put
newer data under an older version (a harmless miss later), never older data under a newer one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from sqlalchemy import BigInteger, Column, String, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from core.api import CacheMeter, city_of, insert_for, is_postgres, metadata

events_version = Table(
    "events_version",
    metadata,
    Column("tenant_id", String(63), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

VERSION_SQL = "SELECT version FROM events_version WHERE tenant_id = $1"
GATHER_TURNS = 2
MAX_PAGES = 256
MAX_PAGE_BYTES = 512 * 1024
# Hits and misses per city on /metrics: one counter increment per request, nothing else.
LOOKUPS = CacheMeter("events", "list_pages")


async def bump_version(session: AsyncSession) -> None:
    """Marks the session's city's list as changed; call it first in every write transaction (see above).

    ``events_version`` is a plain table (no ORM entity, so the session does not filter it): the
    city comes from the session itself, never from a caller's argument."""
    city = city_of(session)
    if city is None:
        raise TypeError("bump_version needs a session bound to a city (ctx.session, a job's session_factory)")
    stmt = insert_for(session, events_version).values(tenant_id=city, version=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[events_version.c.tenant_id], set_={"version": events_version.c.version + 1}
    )
    await session.execute(stmt)


class VersionReader:
    """Reads a city's version with at most one query in flight; every caller gets a read that was
    sent after it called (see the module docstring).

    A read stays open to newcomers until it is sent: it first lets the event loop turn
    ``GATHER_TURNS`` times, so requests already received join it instead of each sending its own.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._open: dict[str, list[asyncio.Future[int]]] = {}  # not yet sent: callers may join
        self._active: set[str] = set()  # cities with a reading task
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # PostgreSQL: one connection of the pool, kept in autocommit: a read is one round trip (no
        # BEGIN, no ROLLBACK, no checkout). Dropped on any error and opened again by the next read.
        self._conn: AsyncConnection | None = None
        self._driver: Any = None
        self._stmt = select(events_version.c.version).where(events_version.c.tenant_id == bindparam("tenant"))

    async def read(self, tenant: str) -> int:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # futures belong to one loop (tests run apps in other threads)
            self._loop, self._open, self._active, self._conn, self._driver = loop, {}, set(), None, None
        # One future per caller (not one shared future behind asyncio.shield): a caller that is
        # cancelled cancels only its own, and it is the cheaper of the two on this hot path.
        future: asyncio.Future[int] = loop.create_future()
        waiting = self._open.get(tenant)
        if waiting is None:
            self._open[tenant] = [future]
            if tenant not in self._active:
                self._active.add(tenant)
                task = loop.create_task(self._run(tenant))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        else:
            waiting.append(future)
        return await future

    async def _run(self, tenant: str) -> None:
        waiting: list[asyncio.Future[int]] = []
        try:
            while tenant in self._open:
                for _ in range(GATHER_TURNS):
                    await asyncio.sleep(0)
                waiting = self._open.pop(tenant)  # from here on, newcomers open the next read
                try:
                    value = int(await self._read_reconnecting(tenant) or 0)
                except Exception as exc:  # every waiter sees the failure (its request then errs)
                    await self.close(broken=True)
                    for future in waiting:
                        if not future.done():
                            future.set_exception(exc)
                            future.exception()  # retrieved: the waiter may have gone away
                else:
                    for future in waiting:
                        if not future.done():
                            future.set_result(value)
                waiting = []
        except BaseException:  # cancelled (shutdown): leave no waiter hanging
            for future in [*waiting, *self._open.pop(tenant, [])]:
                if not future.done():
                    future.cancel()
            raise
        finally:
            self._active.discard(tenant)

    async def _read_reconnecting(self, tenant: str) -> Any:
        """A kept connection that died (server restart, failover, an idle-connection kill) is
        replaced once, invisibly: the pool's pre-ping never sees it, since it is never checked in.
        Only a failure on a fresh connection reaches the waiters."""
        kept = self._conn is not None
        try:
            return await self._scalar(tenant)
        except Exception:
            if not kept:
                raise
            await self.close(broken=True)
            return await self._scalar(tenant)

    async def _scalar(self, tenant: str) -> Any:
        if not is_postgres(self._engine):  # SQLite (development): a connection per read
            async with self._engine.connect() as short:
                return await short.scalar(self._stmt, {"tenant": tenant})
        if self._conn is None:
            conn = await self._engine.connect()
            try:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                raw = await conn.get_raw_connection()
            except BaseException:
                await conn.close()
                raise
            self._conn, self._driver = conn, raw.driver_connection
        if self._engine.dialect.driver == "asyncpg" and self._driver is not None:
            # asyncpg itself: a prepared statement, one round trip, none of the Core's per-call work
            return await self._driver.fetchval(VERSION_SQL, tenant)
        return await self._conn.scalar(self._stmt, {"tenant": tenant})

    async def close(self, *, broken: bool = False) -> None:
        """Give the kept connection back; a ``broken`` one is discarded, not returned to the pool."""
        conn, self._conn, self._driver = self._conn, None, None
        if conn is None:
            return
        try:
            if broken:
                await conn.invalidate()
            await conn.close()
        except Exception:  # a broken connection is being thrown away anyway
            with contextlib.suppress(Exception):
                await conn.invalidate()


class Page:
    __slots__ = ("body", "etag", "expires", "version")

    def __init__(self, body: bytes, version: int, expires: dt.datetime | None) -> None:
        self.body = body
        self.version = version
        self.expires = expires
        # Weak like the core's (core/http/etag.py): one tag for the identity, gzip and br bytes.
        self.etag = 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


class PageCache:
    """Least recently used pages of one API process (one engine), bounded in count and size."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.versions = VersionReader(engine)
        self._pages: OrderedDict[Hashable, Page] = OrderedDict()
        self._building: dict[tuple[Hashable, int], asyncio.Future[Page]] = {}

    async def page(
        self, tenant: str, key: Hashable, version: int, now: dt.datetime, build: Callable[[], Awaitable[Page]]
    ) -> Page:
        """The cached page, or one built now; concurrent misses of one key and version build once.

        ``tenant`` (the city's slug) only labels the hit or miss on ``/metrics``."""
        page = self.get(key, version, now)
        if page is not None:
            LOOKUPS.hit(tenant)
            return page
        pending = self._building.get((key, version))
        if pending is not None and pending.get_loop() is asyncio.get_running_loop():
            try:  # built from a version read no older than ours, at a moment no later than ours
                page = await asyncio.shield(pending)
            except Exception:
                page = None
            if page is not None and (page.expires is None or now < page.expires):
                LOOKUPS.hit(tenant)  # another request's build, shared: this one did not build
                return page
        LOOKUPS.miss(tenant)
        future: asyncio.Future[Page] = asyncio.get_running_loop().create_future()
        self._building[(key, version)] = future
        try:
            page = await build()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()
            raise
        finally:
            if self._building.get((key, version)) is future:
                del self._building[(key, version)]
        future.set_result(page)
        self.put(key, page)
        return page

    def get(self, key: Hashable, version: int, now: dt.datetime) -> Page | None:
        page = self._pages.get(key)
        if page is None:
            return None
        if page.version != version or (page.expires is not None and now >= page.expires):
            del self._pages[key]
            return None
        self._pages.move_to_end(key)
        return page

    def put(self, key: Hashable, page: Page) -> None:
        if len(page.body) > MAX_PAGE_BYTES:
            return
        self._pages[key] = page
        self._pages.move_to_end(key)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)

    def clear(self) -> None:
        self._pages.clear()


_caches: weakref.WeakKeyDictionary[Any, PageCache] = weakref.WeakKeyDictionary()


async def close_cache(engine: Any) -> None:
    """At shutdown: hand the version reader's connection back before the engine is disposed."""
    cache = _caches.pop(getattr(engine, "sync_engine", engine), None)
    if cache is not None:
        await cache.versions.close()


def cache_for(engine: AsyncEngine) -> PageCache:
    """The cache of the API process's engine (each app has its own engine, so its own cache)."""
    key = engine.sync_engine
    cache = _caches.get(key)
    if cache is None:
        cache = _caches[key] = PageCache(engine)
    return cache
