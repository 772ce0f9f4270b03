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

SQLite needs none of this: it has no ``xmin``, and the three tables are ``WITHOUT ROWID`` tables
stored in key order (migration ``participation_0002``). Residual limits: see the module README.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

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


async def reorder_anonymous(ctx: JobContext[ParticipationSettings]) -> None:
    """Break the transaction-id and physical-order links between answers and devices (PostgreSQL)."""
    async with ctx.session_factory() as session:
        if not is_postgres(session):
            return  # SQLite: WITHOUT ROWID tables in random-key order, no transaction ids in rows
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
