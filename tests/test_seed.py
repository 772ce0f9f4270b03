"""``make run`` seeds demo data on every start: a second start must not double anything."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import TenantScoped, metadata
from core.errors import StartupError
from core.models import StaffAccount
from core.seed import DEMO_ADMIN_PASSWORD, seed_all
from core.testing import make_settings, manifest_path


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


async def test_only_demo_cities_get_demo_data_and_the_public_password(
    database: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    # Schwerte as a real city: the same manifest without its `demo = true`
    text = manifest_path().read_text(encoding="utf-8")
    real_schwerte = text.replace('name = "Schwerte"\ndemo = true\n', 'name = "Schwerte"\n')
    assert real_schwerte != text
    (tmp_path / "manifest.toml").write_text(real_schwerte, encoding="utf-8")
    await seed_all(make_settings(database, manifest_path=str(tmp_path / "manifest.toml")))
    async with sessions() as session:
        emails = set((await session.scalars(select(StaffAccount.email))).all())
        cities = {table.name: set() for table in metadata.sorted_tables if "tenant_id" in table.c}
        for name in cities:
            rows = await session.execute(select(metadata.tables[name].c.tenant_id).distinct())
            cities[name] = {row[0] for row in rows}
    assert emails == {"admin@dortmund.example"}
    assert all("schwerte" not in found for found in cities.values()), cities
    assert cities["events_event"] == {"dortmund"}


async def test_production_refuses_to_seed(database: str) -> None:
    with pytest.raises(StartupError, match="not for production"):
        await seed_all(make_settings(database, env="production", secret_key=secrets.token_urlsafe(48)))
    assert DEMO_ADMIN_PASSWORD  # printed in the README: exactly why production must never create it
