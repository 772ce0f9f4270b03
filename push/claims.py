"""Claiming work: outbox rows for expansion, delivery rows for sending.

A claim is an ``UPDATE ... WHERE id IN (SELECT ... LIMIT n [FOR UPDATE SKIP LOCKED])`` that
stamps a claim token and a lease (``next_attempt_at``); on SQLite the single statement is atomic
under the database write lock, on PostgreSQL ``SKIP LOCKED`` lets dispatchers run in parallel. A
dispatcher that dies leaves its rows leased; when the lease ends (the dispatcher renews a batch's
lease while it lives, :mod:`push.dispatcher`) they are claimed again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import is_postgres


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
) -> str:
    """Lease up to ``limit`` due rows of ``table`` in ``states``; returns the claim token they carry."""
    token = str(uuid.uuid4())
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
