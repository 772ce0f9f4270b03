"""The two database legs: a migrated SQLite template copied per test, a PostgreSQL truncated per test."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from core.db import create_unpooled_engine
from core.loader import build_plan
from core.manifest import Manifest
from core.migrate import upgrade


def pg_problem(url: str) -> str | None:
    """Why PostgreSQL at ``url`` cannot be used, or None when it answers."""

    async def probe() -> None:
        engine = create_unpooled_engine(url)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(asyncio.wait_for(probe(), 10))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


async def migrate(url: str, manifest: Manifest) -> None:
    """Bring the database at ``url`` to head for every lineage the manifest's plan has."""
    engine = create_unpooled_engine(url)
    try:
        await upgrade(engine, build_plan(manifest))
    finally:
        await engine.dispose()


async def truncate(url: str) -> None:
    """Empty every table of the PostgreSQL database at ``url`` except the migration versions and the
    tables of extensions (PostGIS's ``spatial_ref_sys``: emptied, every SRID lookup would fail)."""
    engine = create_unpooled_engine(url)
    try:
        async with engine.begin() as conn:
            rows = await conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename NOT LIKE 'alembic_version%' "
                    "AND tablename NOT IN (SELECT c.relname FROM pg_depend d JOIN pg_class c ON c.oid = d.objid "
                    "WHERE d.deptype = 'e')"
                )
            )
            tables = [r[0] for r in rows]
            if tables:
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()
