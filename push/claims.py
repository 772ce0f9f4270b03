"""Claiming work: outbox rows for expansion, delivery rows for sending.

A claim is an ``UPDATE ... WHERE id IN (SELECT ... LIMIT n [FOR UPDATE SKIP LOCKED])`` that
stamps a claim token and a lease (``next_attempt_at``); on SQLite the single statement is atomic
under the database write lock, on PostgreSQL ``SKIP LOCKED`` lets dispatchers run in parallel. A
dispatcher that dies leaves its rows leased; they are due again as soon as another one sees its
run lock gone (:func:`release_dead`, :mod:`push.liveness`), at the latest when the lease ends (the
dispatcher renews a batch's lease while it lives, :mod:`push.dispatcher`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import is_postgres
from push.liveness import STAMPED, claimer_of, dead_among, token_for


def lockable(stmt: sa.Select[Any], session: AsyncSession) -> sa.Select[Any]:
    """``FOR UPDATE SKIP LOCKED`` on PostgreSQL: parallel dispatchers pass each other's claims by."""
    if is_postgres(session):
        return stmt.with_for_update(skip_locked=True)
    return stmt


async def claim(
    session: AsyncSession,
    table: sa.Table,
    *,
    slug: str,
    states: list[str],
    claimed_state: str,
    order_by: tuple[Any, ...],
    limit: int,
    now: dt.datetime,
    lease_seconds: float,
    claimer: int | None = None,
) -> str:
    """Lease up to ``limit`` due rows of ``table`` in ``states``; returns the claim token they carry
    (naming ``claimer``, the run lock's number: :mod:`push.liveness`)."""
    token = token_for(claimer)
    due = lockable(
        sa.select(table.c.id)
        .where(table.c.tenant_id == slug, table.c.state.in_(states), table.c.next_attempt_at <= now)
        .order_by(*order_by)
        .limit(limit),
        session,
    )
    await session.execute(
        sa.update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(
            state=claimed_state,
            claim_token=token,
            attempts=table.c.attempts + 1,
            next_attempt_at=now + dt.timedelta(seconds=lease_seconds),
        )
    )
    return token


async def release_dead(
    session: AsyncSession, table: sa.Table, *, slug: str, claimed_state: str, now: dt.datetime, own: int | None
) -> int:
    """Makes the rows of ``table`` leased by dispatchers that died due now; returns how many."""
    stamped = (table.c.tenant_id == slug, table.c.state == claimed_state, table.c.next_attempt_at > now)
    tokens = await session.scalars(
        sa.select(table.c.claim_token).where(*stamped, table.c.claim_token.like(STAMPED)).distinct()
    )
    claimers = {claimer_of(token) for token in tokens.all() if token} - {None, own}
    dead = await dead_among(session, {c for c in claimers if c is not None})
    released = 0
    for claimer in sorted(dead):
        result = await session.execute(
            sa.update(table).where(*stamped, table.c.claim_token.like(f"{claimer:08x}-%")).values(next_attempt_at=now)
        )
        released += result.rowcount or 0  # type: ignore[attr-defined]
    return released
