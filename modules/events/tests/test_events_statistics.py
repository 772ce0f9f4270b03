"""A bulk import refreshes the planner's statistics at once (ANALYZE), without waiting for autovacuum."""

from __future__ import annotations

from events_testkit import event_body, local
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.services import ANALYZE_AFTER

from core.testing import staff_headers

BASE = "/v1/dortmund/events"


async def _analyzed(sessions: async_sessionmaker[AsyncSession]) -> int:
    """How often events_occurrence's statistics were gathered (PostgreSQL), or whether they exist (SQLite)."""
    async with sessions() as session:
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("SELECT pg_stat_clear_snapshot()"))
            found = await session.scalar(
                text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'events_occurrence'")
            )
            return int(found or 0)
        exists = await session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        if not exists:
            return 0
        return int(await session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'events_occurrence'")) or 0)


async def _import(client: AsyncTestClient[Litestar], staff: dict[str, str], count: int, prefix: str) -> None:
    items = [
        event_body(external_id=f"{prefix}-{i}", start=local(1 + i % 300, 18), end=local(1 + i % 300, 20))
        for i in range(count)
    ]
    response = await client.post(f"{BASE}/events/import", json={"events": items}, headers=staff)
    assert response.status_code == 200, response.text[:300]


async def test_a_bulk_import_analyzes_what_it_changed(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    before = await _analyzed(sessions)
    await _import(client, staff, ANALYZE_AFTER - 1, "small")  # an editor's ordinary import: no ANALYZE
    assert await _analyzed(sessions) == before
    await _import(client, staff, ANALYZE_AFTER, "bulk")
    assert await _analyzed(sessions) > before
