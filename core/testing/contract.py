"""The module contract, checked for one module: migrations, auth on writes, isolation, OpenAPI.

Use the checks one by one, or subclass :class:`ModuleContract` in a test file::

    class TestContract(ModuleContract):
        module = "waste"
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, ClassVar

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db import create_unpooled_engine
from core.loader import Plan
from core.migrate import downgrade_lineages, lineages, pending, upgrade, upgrade_lineages
from core.testing.actors import register_device, staff_headers
from core.testing.isolation import check_isolation
from core.testing.routes import PARAM, routes, write_routes
from core.testing.support import configured_plan

__all__ = ["ModuleContract", "check_isolation", "check_migrations", "check_openapi", "check_write_routes"]


async def _schema(engine: AsyncEngine) -> dict[str, set[str]]:
    def read(conn: Connection) -> dict[str, set[str]]:
        inspector = inspect(conn)
        return {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def _revisions(engine: AsyncEngine, version_table: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text(f"SELECT count(*) FROM {version_table}")) or 0)  # noqa: S608


async def check_migrations(database: str, module_id: str, plan: Plan | None = None) -> None:
    """The module's lineage creates its models' tables and goes down and up again to the same schema.

    Lineages loaded after the module's (which may refer to its tables) go down first and up again.
    """
    plan = plan or configured_plan()
    spec = plan.specs[module_id]
    chain = lineages(plan)
    index = next((i for i, line in enumerate(chain) if line.name == module_id), None)
    assert index is not None, f"module {module_id!r} declares no migrations"
    own = {model.__table__.name: {c.name for c in model.__table__.columns} for model in spec.models}
    engine = create_unpooled_engine(database)
    try:
        before = await _schema(engine)
        for table, columns in own.items():
            assert table in before, f"no migration creates {table}"
            assert columns <= before[table], f"{table}: the migrations lack {sorted(columns - before[table])}"
        assert await pending(engine, plan) == [], "the test database is not at head"

        await downgrade_lineages(engine, chain[index:])
        after_down = await _schema(engine)
        left = sorted(set(own) & set(after_down))
        assert not left, f"tables left after downgrading {module_id}: {left}"
        assert await _revisions(engine, chain[index].version_table) == 0

        await upgrade_lineages(engine, chain[index:])
        after_up = await _schema(engine)
        for table, columns in before.items():
            assert after_up.get(table) == columns, f"{table} differs after down and up again"
        assert await pending(engine, plan) == []
    finally:
        await upgrade(engine, plan)  # never leave the shared database behind, even on failure
        await engine.dispose()


async def check_write_routes(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    module_id: str | None,
    anonymous_writes: Collection[tuple[str, str]] = (),
) -> list[str]:
    """No write route of the module answers without a credential, or with another city's.

    Anonymous: 401 (problem+json). Another city's admin: 403 (device routes: 401, and another
    city's device 403). ``anonymous_writes`` lists the module's deliberate anonymous writes as
    ``(method, path)``; they must be exactly the routes marked ``opt["anonymous_write"]``.
    """
    plan: Plan = app.state.plan
    found = list(write_routes(app, module_id, every_module=False))
    marked = {(r.method, r.path) for r in found if r.anonymous}
    assert marked == set(anonymous_writes), f"anonymous writes of {module_id}: {sorted(marked)}"
    cities = list(plan.tenants)
    other = {city: cities[(i + 1) % len(cities)] for i, city in enumerate(cities)} if len(cities) > 1 else {}
    staff = {city: await staff_headers(client, sessions, city) for city in other}
    devices = {city: (await register_device(client, city))[1] for city in other}
    checked: list[str] = []
    for route in (r for r in found if not r.anonymous):
        assert route.path.startswith("/v1/{tenant:str}/"), f"{route.method} {route.path}: writes live under a city"
        enabled = [c for c in cities if module_id is None or module_id in plan.tenants[c].modules]
        assert enabled, f"{route.method} {route.path}: module {module_id} is enabled nowhere"
        for city in enabled:
            url = route.url(city)
            where = f"{route.method} {url} ({route.handler.handler_name})"
            anonymous = await client.request(route.method, url)
            assert anonymous.status_code == 401, f"{where} anonymous: {anonymous.status_code} {anonymous.text}"
            assert anonymous.headers["content-type"].startswith("application/problem+json")
            if city in other:
                stranger = await client.request(route.method, url, headers=staff[other[city]])
                if route.for_devices:
                    assert stranger.status_code == 401, f"{where} staff: {stranger.status_code} {stranger.text}"
                    stranger = await client.request(route.method, url, headers=devices[other[city]])
                assert stranger.status_code == 403, f"{where} other city: {stranger.status_code} {stranger.text}"
            checked.append(where)
    return checked


async def check_openapi(app: Litestar, client: AsyncTestClient[Litestar], module_id: str | None) -> int:
    """Every route of the module is in the served OpenAPI document, documented, with unique operation ids."""
    schema = app.openapi_schema.to_schema()
    assert str(schema.get("openapi", "")).startswith("3."), "not an OpenAPI 3 document"
    paths: dict[str, Any] = schema["paths"]
    described = 0
    for route in routes(app, module_id):
        if route.method in {"HEAD", "OPTIONS"} or not route.handler.resolve_include_in_schema():
            continue
        path = PARAM.sub(lambda m: "{" + m.group(1) + "}", route.path)
        operation = paths.get(path, {}).get(route.method.lower())
        assert operation is not None, f"{route.method} {path} is missing from the OpenAPI document"
        assert operation.get("responses"), f"{route.method} {path} documents no responses"
        assert operation.get("summary") or operation.get("description"), f"{route.method} {path} is undocumented"
        declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
        assert set(route.parameters) <= declared, f"{route.method} {path}: path parameters undocumented"
        described += 1
    ids = [op["operationId"] for item in paths.values() for op in item.values() if isinstance(op, dict)]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    served = await client.get("/schema/openapi.json")
    assert served.status_code == 200
    assert served.json()["paths"].keys() == paths.keys()
    return described


class ModuleContract:
    """The contract checks as tests: subclass it as ``TestContract`` and set ``module``."""

    module: ClassVar[str]
    # The module's deliberate anonymous writes, (method, path) as Litestar spells the path.
    anonymous_writes: ClassVar[Collection[tuple[str, str]]] = ()

    async def test_migrations_go_down_and_up_again(self, database: str) -> None:
        """Up, down, up of the module's lineage."""
        await check_migrations(database, self.module)

    async def test_write_routes_refuse_strangers(
        self, app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        """Auth on every write route."""
        await check_write_routes(app, client, sessions, self.module, self.anonymous_writes)

    async def test_cities_are_isolated(
        self, app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        """Another city's seeded rows stay out of this city's responses and jobs."""
        await check_isolation(app, client, sessions, self.module)

    async def test_openapi_describes_the_module(self, app: Litestar, client: AsyncTestClient[Litestar]) -> None:
        """OpenAPI validity of the module's routes."""
        assert await check_openapi(app, client, self.module) >= 1
