"""Migration runner: the core lineage first, then each module's, each with its own version table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from core.loader import Plan

ENV_DIR = Path(__file__).parent / "migrations"
CORE_VERSIONS = ENV_DIR / "versions"
# Any fixed number: concurrent `stadtkern migrate` runs (several replicas starting) queue up on it.
MIGRATION_LOCK_KEY = 0x5354_4B4D


@dataclass(frozen=True)
class Lineage:
    name: str
    versions: Path

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"


def lineages(plan: Plan) -> list[Lineage]:
    found = [Lineage("core", CORE_VERSIONS)]
    for mid, spec in plan.specs.items():
        if spec.migrations is not None:
            found.append(Lineage(mid, Path(spec.migrations)))
    return found


def config_for(lineage: Lineage, connection: Connection) -> Config:
    """The Alembic configuration that runs ``lineage`` on ``connection`` (shared env.py)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(lineage.versions))
    cfg.attributes["connection"] = connection
    cfg.attributes["version_table"] = lineage.version_table
    return cfg


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})


async def upgrade(engine: AsyncEngine, plan: Plan) -> None:
    await upgrade_lineages(engine, lineages(plan))


async def downgrade(engine: AsyncEngine, plan: Plan, target: str = "base") -> None:
    """Undo modules first (reverse order), the core last."""
    await downgrade_lineages(engine, lineages(plan), target)


async def upgrade_lineages(engine: AsyncEngine, chosen: Sequence[Lineage]) -> None:
    """Bring each of ``chosen`` to head, in the order given (dependencies first)."""
    for lineage in chosen:
        async with engine.begin() as conn:

            def run(sync_conn: Connection, lineage: Lineage = lineage) -> None:
                _lock(sync_conn)
                command.upgrade(config_for(lineage, sync_conn), "head")

            await conn.run_sync(run)


async def downgrade_lineages(engine: AsyncEngine, chosen: Sequence[Lineage], target: str = "base") -> None:
    """Take each of ``chosen`` down to ``target``, last first (dependents before what they use)."""
    for lineage in reversed(chosen):
        async with engine.begin() as conn:

            def run(sync_conn: Connection, lineage: Lineage = lineage) -> None:
                _lock(sync_conn)
                command.downgrade(config_for(lineage, sync_conn), target)

            await conn.run_sync(run)


async def pending(engine: AsyncEngine, plan: Plan) -> list[str]:
    """Lineages whose database revision is not their head (empty list: schema is current)."""
    behind: list[str] = []
    async with engine.connect() as conn:
        for lineage in lineages(plan):

            def heads(sync_conn: Connection, lineage: Lineage = lineage) -> tuple[Any, Any]:
                script = ScriptDirectory.from_config(config_for(lineage, sync_conn))
                ctx = MigrationContext.configure(sync_conn, opts={"version_table": lineage.version_table})
                return set(ctx.get_current_heads()), set(script.get_heads())

            current, wanted = await conn.run_sync(heads)
            if current != wanted:
                behind.append(lineage.name)
    return behind
