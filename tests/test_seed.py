"""``make run`` seeds demo data on every start: a second start must not double anything."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import TenantScoped, metadata
from core.models import StaffAccount
from core.seed import seed_all
from core.testing import make_settings


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Rows per city-owned table, and staff accounts."""
    counts: dict[str, int] = {}
    async with sessions() as session:
        for mapper in TenantScoped.__subclasses__()[0].registry.mappers:
            table = mapper.local_table
            if issubclass(mapper.class_, TenantScoped) and table.name in metadata.tables:
                counts[table.name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
        counts["core_staff_account"] = int(await session.scalar(select(func.count(StaffAccount.id))) or 0)
    return counts


async def test_seeding_twice_doubles_nothing(database: str, sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed_all(make_settings(database))
    first = await _counts(sessions)
    assert first["events_event"] > 0 and first["participation_offer"] > 0 and first["participation_survey"] > 0
    assert first["core_staff_account"] == 2  # one demo admin per city
    await seed_all(make_settings(database))
    assert await _counts(sessions) == first
