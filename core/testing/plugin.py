"""The Stadtkern pytest plugin: app, client and database fixtures on SQLite and PostgreSQL.

Loaded automatically wherever the ``stadtkern`` distribution is installed (entry point
``pytest11: stadtkern``); ``-p core.testing.plugin`` is only needed where plugin autoloading is
off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``). It stays inert until a test asks for one of its fixtures.

Configuration, under ``[tool.pytest.ini_options]``::

    stadtkern_manifest = "tests/manifest.toml"   # the cities and modules the tests run with
    asyncio_mode = "auto"

Every test that uses ``database`` (and so ``app``, ``client``, ``sessions``…) runs twice: on
SQLite and on PostgreSQL at ``STADTKERN_TEST_DATABASE_URL``. When PostgreSQL cannot be reached
its leg is skipped with a loud banner, except under ``CI=true``, where that stops the run.
"""

from __future__ import annotations

import asyncio
import shutil
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from core.testing import support
from core.testing.actors import register_device, staff_headers
from core.testing.databases import migrate, pg_problem, truncate

_PG_PROBLEM = pytest.StashKey[str | None]()
BANNER = "!" * 78


def pytest_addoption(parser: pytest.Parser) -> None:
    """The manifest option: ini ``stadtkern_manifest``, or ``--stadtkern-manifest`` for one run."""
    help_text = "Stadtkern manifest (TOML) the tests run with, relative to the ini file"
    parser.addini("stadtkern_manifest", help_text, default="")
    parser.addoption("--stadtkern-manifest", default=None, help=help_text)


def _configure(config: pytest.Config) -> None:
    value = config.getoption("--stadtkern-manifest") or config.getini("stadtkern_manifest")
    if value:
        base = config.inipath.parent if config.inipath else config.rootpath
        support.configure_manifest((base / str(value)).resolve())


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Before the conftest files of the given paths are imported: a conftest may call a kit helper
    at import time (``pytest tests/push`` imports tests/push/conftest.py before ``pytest_configure``)."""
    _configure(early_config)


def pytest_configure(config: pytest.Config) -> None:
    """Resolve the configured manifest once, so that fixtures and plain helpers agree."""
    _configure(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Probe PostgreSQL only when a PostgreSQL leg was collected; skip it loudly, or stop under CI."""
    legs = [item for item in items if _database_param(item) == "postgresql"]
    if not legs:
        return
    problem = pg_problem(support.PG_URL)
    config.stash[_PG_PROBLEM] = problem
    if problem is None:
        return
    message = f"PostgreSQL at {support.PG_URL} is not reachable ({problem})"
    if support.IN_CI:
        raise pytest.UsageError(f"{message}; under CI=true the PostgreSQL leg must run")
    _shout(config, message)
    warnings.warn(message + ": PostgreSQL leg skipped", stacklevel=1)
    for item in legs:
        item.add_marker(pytest.mark.skip(reason=f"PostgreSQL unreachable: {problem}"))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Repeat the banner at the end, where nobody scrolls past it."""
    problem = config.stash.get(_PG_PROBLEM, None)
    if problem:
        _shout(config, f"PostgreSQL at {support.PG_URL} was not reachable ({problem})")


def _shout(config: pytest.Config, message: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    lines = [BANNER, f"!! {message}", "!! SKIPPING THE POSTGRESQL LEG - only SQLite is tested.", BANNER]
    if reporter is not None:
        for line in lines:
            reporter.write_line(line, red=True, bold=True)


def _database_param(item: pytest.Item) -> Any:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database") if callspec is not None else None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(migrate(f"sqlite+aiosqlite:///{path}", support.load_test_manifest()))
    return path


@pytest.fixture(scope="session")
def pg_migrated(request: pytest.FixtureRequest) -> str:
    """The PostgreSQL test database, migrated to head once per run."""
    problem = request.config.stash.get(_PG_PROBLEM, None)
    if problem:
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    asyncio.run(migrate(support.PG_URL, support.load_test_manifest()))
    return support.PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL; each test gets a clean one, once per database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "stadtkern.db"
        shutil.copyfile(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    url: str = request.getfixturevalue("pg_migrated")
    asyncio.run(truncate(url))
    yield url


@pytest.fixture
def settings(database: str) -> Settings:
    """Core settings for the test's database and the configured manifest."""
    return support.make_settings(database)


@pytest.fixture
def app_factory(database: str) -> Callable[..., Litestar]:
    """Builds the app on the test's database, for the configured manifest or one given as TOML/Manifest."""
    from core.app import create_app
    from core.manifest import parse_manifest

    def factory(manifest: Any = None, **overrides: Any) -> Litestar:
        parsed = parse_manifest(manifest) if isinstance(manifest, str) else manifest
        return create_app(
            support.make_settings(database, **overrides),
            parsed or support.load_test_manifest(),
            migrate_on_start=False,
        )

    return factory


@pytest.fixture
def app(app_factory: Callable[..., Litestar]) -> Litestar:
    """The app for the configured manifest."""
    return app_factory()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """An HTTP client speaking to ``app`` (the app runs in the client's portal thread)."""
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def sessions(database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test's database for checks and set-up, in the test's own event loop.

    (The app under test runs in the test client's portal thread with its own loop and pool, so
    tests must not borrow ``app.state.session_factory``.) These sessions see every city.
    """
    from core.db import create_engine

    engine = create_engine(database)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


@pytest.fixture
def new_device(client: AsyncTestClient[Litestar]) -> Callable[..., Awaitable[tuple[str, dict[str, str]]]]:
    """``await new_device("city")``: registers a device there; returns its id and auth headers."""

    async def make(tenant: str | None = None, **fields: Any) -> tuple[str, dict[str, str]]:
        return await register_device(client, tenant, **fields)

    return make


@pytest.fixture
def new_staff(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> Callable[..., Awaitable[dict[str, str]]]:
    """``await new_staff("city", {"module": "editor"})``: a signed-in staff member's auth headers."""

    async def make(tenant: str | None = None, grants: dict[str, str] | None = None) -> dict[str, str]:
        return await staff_headers(client, sessions, tenant, grants)

    return make
