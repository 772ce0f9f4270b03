"""The ``anonymity-reorder`` job: nothing in PostgreSQL's storage may pair an answer with a device.

A submission writes its marker (``participation_marker``), its answers (``participation_response``)
and, when the resident opts in, its result subscription (``participation_result_subscription``,
which holds the device id) in one transaction. On PostgreSQL that leaves two links between the
tables even though they share no column:

* **the inserting transaction**: every row carries the system column ``xmin``, the id of the
  transaction that wrote it. The three rows of one submission have the same ``xmin``, so
  ``... JOIN ... ON s.xmin = r.xmin`` pairs a subscribed device with its answers exactly.
  ``CLUSTER`` and ``VACUUM FREEZE`` keep ``xmin``; only a new row version replaces it.
* **the physical order**: rows are appended to the heap, so ``ORDER BY ctid`` (and the order of a
  plain ``pg_dump``) is the order of submission in all three tables.

For every survey of the city whose rows in those tables come from more than one transaction, the
job therefore (1) rewrites all of the survey's rows in the three tables in ONE transaction
(``UPDATE ... SET id = id``): from then on they all carry that transaction's id; and (2) runs
``CLUSTER <table> USING <primary key>`` on each table, in its own transaction, which writes the
table anew in the order of its random UUIDv4 key, drops the old row versions and rebuilds the
indexes. Step (1) also marks each table ``SET WITHOUT CLUSTER``, so a table whose ``CLUSTER`` did
not happen (lock timeout, worker stopped) is clustered on the next run.

SQLite has no ``xmin``, and the three tables are ``WITHOUT ROWID`` tables whose b-trees are in the
order of the random key (migration ``participation_0002``). That was not enough: with read access
to the files, the *bytes* still told the order. Inside a b-tree page SQLite places each new cell
below the ones before (the cell order in the page is the insertion order), and the WAL holds every
commit's pages in commit order, so the frame in which an answer first appears comes right after the
one with its device's registration, and right before its pool sign-up. On SQLite the job therefore
(1) rewrites the three tables in one transaction with ``secure_delete`` on — every row read, the
table emptied (its pages zeroed and freed), the rows inserted again in key order, so the cells lie
in the order of the random key — and (2) runs ``PRAGMA wal_checkpoint(TRUNCATE)``, which copies
the rewritten pages into the database file and truncates the WAL to nothing. Both run only when the
tables' rows changed since the last successful run of this process (a digest of their ids).
Residual limits: see the module README.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.api import JobContext, is_postgres
from stadtkern_participation.models import ANONYMOUS_TABLES
from stadtkern_participation.settings import ParticipationSettings

TABLES: tuple[str, ...] = tuple(model.__tablename__ for model in ANONYMOUS_TABLES)
# A submission waits while CLUSTER holds its table: give up rather than queue behind a long
# transaction (and make every resident wait behind the job); the next run tries again.
LOCK_TIMEOUT = "5s"

_MIXED_SURVEYS = text(
    """
    SELECT survey_id FROM (
        SELECT r.survey_id, r.xmin::text AS tx FROM participation_response r WHERE r.tenant_id = :tenant
        UNION ALL
        SELECT m.survey_id, m.xmin::text FROM participation_marker m
            JOIN participation_survey s ON s.id = m.survey_id WHERE s.tenant_id = :tenant
        UNION ALL
        SELECT o.survey_id, o.xmin::text FROM participation_result_subscription o
            JOIN participation_survey s ON s.id = o.survey_id WHERE s.tenant_id = :tenant
    ) AS written
    GROUP BY survey_id
    HAVING count(DISTINCT tx) > 1
    ORDER BY survey_id
    """
)

_PRIMARY_KEY = text(
    "SELECT i.indexrelid::regclass::text AS name, i.indisclustered AS clustered FROM pg_index i "
    "WHERE i.indrelid = CAST(:table AS regclass) AND i.indisprimary"
)


async def mixed_surveys(session: AsyncSession, tenant: str) -> list[uuid.UUID]:
    """Surveys of ``tenant`` whose anonymous rows were written by more than one transaction."""
    rows = await session.execute(_MIXED_SURVEYS, {"tenant": tenant})
    return [r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(str(r[0])) for r in rows]


async def _rewrite(session: AsyncSession, surveys: list[uuid.UUID]) -> None:
    """One transaction gives every row of these surveys in the three tables the same ``xmin``."""
    await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    for table in TABLES:
        await session.execute(
            text(f"UPDATE {table} SET id = id WHERE survey_id = ANY(:surveys)"),  # noqa: S608 (fixed names)
            {"surveys": surveys},
        )
        # Persistently "not in key order" until CLUSTER has run (it sets the mark again).
        await session.execute(text(f"ALTER TABLE {table} SET WITHOUT CLUSTER"))


async def _cluster(session: AsyncSession, table: str) -> bool:
    """``CLUSTER`` the table on its primary key unless it is still in that order; True if it ran."""
    key: Any = (await session.execute(_PRIMARY_KEY, {"table": table})).one()
    if key.clustered:
        return False
    await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    await session.execute(text(f'CLUSTER {table} USING "{key.name}"'))
    return True


async def _reorder_postgres(ctx: JobContext[ParticipationSettings], session: AsyncSession) -> None:
    async with session.begin():
        surveys = await mixed_surveys(session, ctx.tenant.slug)
        if surveys:
            await _rewrite(session, surveys)
    clustered: list[str] = []
    failed: list[str] = []
    for table in TABLES:
        try:
            async with session.begin():
                if await _cluster(session, table):
                    clustered.append(table)
        except DBAPIError as exc:  # e.g. lock_timeout: the table stays marked, the next run retries
            failed.append(table)
            ctx.log.warning("participation: CLUSTER %s postponed (%s)", table, type(exc.orig).__name__)
    ctx.log.info("participation: %d surveys rewritten, clustered %s", len(surveys), ", ".join(clustered) or "nothing")
    if failed:
        raise RuntimeError(f"CLUSTER postponed for {', '.join(failed)}; the next run retries")


# database URL -> digest of the anonymous rows' ids after the last complete SQLite rewrite (per process:
# after a restart the first run rewrites once more, which is harmless)
_REWRITTEN: dict[str, str] = {}


async def _digest(driver: Any) -> str:
    digest = hashlib.sha256()
    for table in TABLES:
        cursor = await driver.execute(f"SELECT id FROM {table} ORDER BY id")  # noqa: S608 (fixed names)
        for (row_id,) in await cursor.fetchall():
            digest.update(bytes(row_id) if isinstance(row_id, (bytes, memoryview)) else str(row_id).encode())
        digest.update(b"|")
    return digest.hexdigest()


async def _rewrite_tables(driver: Any) -> None:
    """One transaction: every row of the three tables read, the tables emptied, the rows inserted
    again in key order. With ``secure_delete`` the freed pages are zeroed, not left behind."""
    previous = (await (await driver.execute("PRAGMA secure_delete")).fetchone())[0]
    await driver.execute("PRAGMA secure_delete = ON")
    await driver.execute("BEGIN IMMEDIATE")
    try:
        for model in ANONYMOUS_TABLES:
            table, columns = model.__tablename__, [c.name for c in model.__table__.columns]
            names = ", ".join(columns)
            cursor = await driver.execute(f"SELECT {names} FROM {table} ORDER BY id")  # noqa: S608
            rows = await cursor.fetchall()
            await driver.execute(f"DELETE FROM {table}")  # noqa: S608
            marks = ", ".join("?" for _ in columns)
            await driver.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
        await driver.execute("COMMIT")
    except BaseException:
        await driver.execute("ROLLBACK")
        raise
    finally:  # the connection goes back to the pool as it came
        await driver.execute(f"PRAGMA secure_delete = {int(previous)}")


async def rewrite_sqlite(engine: AsyncEngine, log: Any) -> None:
    """SQLite: rewrite the anonymous tables in key order and empty the WAL (see the module docstring).

    The whole tables, every city's rows (like ``CLUSTER`` on PostgreSQL): the cells of one page mix
    cities, and a rewrite of one city's rows would leave the others in insertion order. Run on the
    driver's connection because the app's connections wrap every transaction in ``BEGIN IMMEDIATE``,
    and ``wal_checkpoint`` refuses to run inside one.
    """
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        key = str(engine.url)
        before = await _digest(driver)
        if _REWRITTEN.get(key) == before:
            return  # nothing new since the last complete run: nothing in the WAL or the pages to hide
        await _rewrite_tables(driver)
        cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _, _ = await cursor.fetchone()
        if busy:  # a reader held an old snapshot: the WAL still holds the old pages; retry next run
            raise RuntimeError("participation: WAL checkpoint blocked by a reader; the next run retries")
        _REWRITTEN[key] = before
    log.info("participation: anonymous tables rewritten in key order, WAL truncated")


async def reorder_anonymous(ctx: JobContext[ParticipationSettings]) -> None:
    """Break the links between answers and devices that storage keeps (transaction ids, physical
    order, the WAL): PostgreSQL's rewrite and CLUSTER, or SQLite's rewrite and WAL truncation."""
    async with ctx.session_factory() as session:
        if is_postgres(session):
            await _reorder_postgres(ctx, session)
            return
        engine = session.bind
    assert isinstance(engine, AsyncEngine)
    await rewrite_sqlite(engine, ctx.log)
