"""The draws' audit: every attempt to commit or run an offer's draw, accepted or refused.

An accepted attempt is written with the draw, in the request's transaction. A refused one must
outlive the request, which fails: the request's transaction is rolled back first (on SQLite it
holds the write lock a second session would wait for), then the attempt is written in its own.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stadtkern_participation.models import DrawAttempt


def accepted(session: AsyncSession, offer_id: uuid.UUID, draw_id: uuid.UUID, action: str, by: str) -> None:
    """Record an accepted attempt in the request's transaction."""
    session.add(DrawAttempt(offer_id=offer_id, draw_id=draw_id, action=action, outcome="accepted", attempted_by=by))


async def refused(
    session: AsyncSession,
    factory: async_sessionmaker[AsyncSession],
    attempt: tuple[uuid.UUID, uuid.UUID | None, str, str],
    detail: str,
) -> None:
    """Record a refused attempt ``(offer, draw, action, by)`` in a transaction of its own."""
    offer_id, draw_id, action, by = attempt
    await session.rollback()
    async with factory() as own, own.begin():
        own.add(
            DrawAttempt(
                offer_id=offer_id, draw_id=draw_id, action=action, outcome="refused", detail=detail, attempted_by=by
            )
        )


async def attempts_for(session: AsyncSession, offer_id: uuid.UUID) -> list[DrawAttempt]:
    """Every attempt for the offer's draw, oldest first."""
    stmt = select(DrawAttempt).where(DrawAttempt.offer_id == offer_id).order_by(DrawAttempt.created_at, DrawAttempt.id)
    return list(await session.scalars(stmt))


def detail_of(exc: Any) -> str:
    """What a refusal said: the problem's detail and the fields it named."""
    parts = [str(getattr(exc, "detail", "") or type(exc).__name__)]
    extra = getattr(exc, "extra", None)
    if isinstance(extra, list):
        parts += [f"{e.get('key')}: {e.get('message')}" for e in extra if isinstance(e, dict)]
    return "; ".join(parts)
