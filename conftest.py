"""Fixtures for the core tests and every module's tests (this file sits at the root so that
``modules/*/tests`` get them too).

Every test that asks for ``database`` runs twice: on SQLite and on PostgreSQL.

PostgreSQL comes from ``STADTKERN_TEST_DATABASE_URL`` (default: the local server, database
``test``). When it cannot be reached the PostgreSQL leg is skipped with a loud warning, except
under ``CI=true``, where that fails the run.
"""

from __future__ import annotations

import asyncio
import shutil
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.app import create_app
from core.db import create_engine, create_unpooled_engine
from core.loader import build_plan
from core.manifest import Manifest, parse_manifest
from core.migrate import upgrade
from core.settings import Settings
from tests.support import IN_CI, PG_URL, load_test_manifest, make_settings

_pg_state: dict[str, Any] = {}


def _pg_reachable() -> str | None:
    async def probe() -> None:
        engine = create_unpooled_engine(PG_URL)
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


def pytest_sessionstart(session: pytest.Session) -> None:
    problem = _pg_reachable()
    _pg_state["error"] = problem
    if problem is None:
        return
    message = f"PostgreSQL at {PG_URL} is not reachable ({problem})"
    if IN_CI:
        raise pytest.UsageError(f"{message}; under CI=true the PostgreSQL leg must run")
    banner = "!" * 78
    print(f"\n{banner}\n!! {message}\n!! SKIPPING THE POSTGRESQL LEG - only SQLite is tested.\n{banner}\n")
    warnings.warn(message + ": PostgreSQL leg skipped", stacklevel=1)


async def _migrate(url: str, manifest: Manifest) -> None:
    engine = create_unpooled_engine(url)
    try:
        await upgrade(engine, build_plan(manifest))
    finally:
        await engine.dispose()


async def _truncate(url: str) -> None:
    engine = create_unpooled_engine(url)
    try:
        async with engine.begin() as conn:
            rows = await conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename NOT LIKE 'alembic_version%'"
                )
            )
            tables = [r[0] for r in rows]
            if tables:
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}", load_test_manifest()))
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    if _pg_state.get("error"):
        pytest.skip(f"PostgreSQL unreachable: {_pg_state['error']}")
    asyncio.run(_migrate(PG_URL, load_test_manifest()))
    return PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL; each test gets a clean one."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "stadtkern.db"
        shutil.copyfile(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    url: str = request.getfixturevalue("pg_migrated")
    asyncio.run(_truncate(url))
    yield url


@pytest.fixture
def settings(database: str) -> Settings:
    return make_settings(database)


@pytest.fixture
def app_factory(database: str) -> Callable[..., Litestar]:
    def factory(manifest: Manifest | str | None = None, **overrides: Any) -> Litestar:
        parsed = parse_manifest(manifest) if isinstance(manifest, str) else manifest
        return create_app(make_settings(database, **overrides), parsed or load_test_manifest(), migrate_on_start=False)

    return factory


@pytest.fixture
def app(app_factory: Callable[..., Litestar]) -> Litestar:
    return app_factory()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def sessions(database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test's database for checks and set-up, in the test's own event loop.

    (The app under test runs in the test client's portal thread with its own loop and pool, so
    tests must not borrow ``app.state.session_factory``.)
    """
    engine = create_engine(database)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()
