"""The module contract, checked for every installed module at once.

Every module the deployment can load (``core.loader.discover()``) is enabled somewhere in
tests/manifest.toml, and then: its migrations go down and up again cleanly on SQLite and
PostgreSQL, none of its write routes answers an anonymous caller or another city's credential,
and the OpenAPI document describes every route.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.api import require_device
from core.db import create_unpooled_engine
from core.loader import Plan, build_plan, discover
from core.migrate import downgrade, lineages, pending, upgrade
from tests.helpers import register_device, staff_headers
from tests.support import load_test_manifest

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
# The only writes anyone may make without a credential: how a device and a staff member get one.
# Each is a deliberate anonymous write, its reason in the route's opt["anonymous_write"]:
ANONYMOUS_WRITES = {
    ("POST", "/v1/{tenant:str}/devices"),  # how a device gets its credential
    ("POST", "/v1/{tenant:str}/staff/login"),  # how staff get a credential
    # Mitmachpool: the token from the e-mail is the credential (double opt-in, manage, invitations)
    ("POST", "/v1/{tenant:str}/participation/pool/registrations"),
    ("POST", "/v1/{tenant:str}/participation/pool/confirm"),
    ("DELETE", "/v1/{tenant:str}/participation/pool/me"),
    ("POST", "/v1/{tenant:str}/participation/invitations/respond"),
}
PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def contract_plan() -> Plan:
    return build_plan(load_test_manifest())


def test_every_installed_module_is_enabled_in_the_test_manifest() -> None:
    """Otherwise the contract below would silently skip it."""
    plan = contract_plan()
    missing = sorted(set(discover()) - set(plan.specs))
    assert not missing, f"installed but enabled for no city in tests/manifest.toml: {missing}"


# -- (a) migrations: up, down, up again ------------------------------------------------------------


def _model_tables(plan: Plan) -> dict[str, set[str]]:
    """Table -> columns for every model a module declares."""
    return {
        model.__table__.name: {c.name for c in model.__table__.columns}
        for spec in plan.specs.values()
        for model in spec.models
    }


async def _schema(engine: AsyncEngine) -> dict[str, set[str]]:
    def read(conn: Connection) -> dict[str, set[str]]:
        inspector = inspect(conn)
        return {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def _version_rows(engine: AsyncEngine, plan: Plan) -> dict[str, int]:
    rows: dict[str, int] = {}
    async with engine.connect() as conn:
        for lineage in lineages(plan):
            count = await conn.scalar(text(f"SELECT count(*) FROM {lineage.version_table}"))  # noqa: S608
            rows[lineage.name] = int(count or 0)
    return rows


async def test_migrations_go_down_and_up_again(database: str) -> None:
    plan = contract_plan()
    engine = create_unpooled_engine(database)
    try:
        module_tables = _model_tables(plan)
        assert "waste_pickup" in module_tables
        before = await _schema(engine)
        for table, columns in module_tables.items():
            assert table in before, f"no migration creates {table}"
            assert columns <= before[table], f"{table}: the migration lacks {sorted(columns - before[table])}"
        assert await pending(engine, plan) == []

        await downgrade(engine, plan)
        after_down = await _schema(engine)
        left = {t for t in after_down if not t.startswith("alembic_version_")}
        assert left == set(), f"tables left after downgrading every lineage: {sorted(left)}"
        assert await _version_rows(engine, plan) == {lineage.name: 0 for lineage in lineages(plan)}
        assert sorted(await pending(engine, plan)) == sorted(lineage.name for lineage in lineages(plan))

        await upgrade(engine, plan)
        after_up = await _schema(engine)
        assert set(module_tables) <= set(after_up)
        for table, columns in before.items():
            assert after_up.get(table) == columns, f"{table} differs after down and up again"
        assert await _version_rows(engine, plan) == {lineage.name: 1 for lineage in lineages(plan)}
        assert await pending(engine, plan) == []
    finally:
        await upgrade(engine, plan)  # never leave the shared database behind, even on failure
        await engine.dispose()


# -- (b) every write route refuses strangers ---------------------------------------------------------


@dataclass(frozen=True)
class WriteRoute:
    method: str
    path: str
    handler: HTTPRouteHandler

    @property
    def module_id(self) -> str | None:
        value = self.handler.opt.get("module_id")
        return str(value) if value else None

    @property
    def for_devices(self) -> bool:
        return require_device in self.handler.resolve_guards()

    def url(self, tenant: str) -> str:
        def fill(match: re.Match[str]) -> str:
            name, kind = match.group(1), match.group(2)
            if name == "tenant":
                return tenant
            if kind == "uuid":
                return str(uuid.uuid4())
            if kind == "int":
                return "1"
            return "x"

        return PARAM.sub(fill, self.path)


def write_routes(app: Litestar) -> Iterator[WriteRoute]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(set(handler.http_methods) - READ_METHODS):
                yield WriteRoute(method, route.path, handler)


async def test_anonymous_writes_are_exactly_the_listed_ones(app: Litestar) -> None:
    anonymous = {(r.method, r.path) for r in write_routes(app) if r.handler.opt.get("anonymous_write")}
    assert anonymous == ANONYMOUS_WRITES


async def test_every_write_route_refuses_strangers(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    plan: Plan = app.state.plan
    cities = sorted(plan.tenants)
    assert cities == ["dortmund", "schwerte"], "the contract assumes the test manifest's two cities"
    other = {cities[0]: cities[1], cities[1]: cities[0]}
    staff = {city: await staff_headers(client, sessions, city, email=f"contract@{city}.example") for city in cities}
    devices = {city: (await register_device(client, city))[1] for city in cities}

    routes = [r for r in write_routes(app) if (r.method, r.path) not in ANONYMOUS_WRITES]
    modules = {r.module_id for r in routes}
    assert "waste" in modules and None in modules  # the partner module and the core are both covered
    checked: list[str] = []
    for route in routes:
        if not route.path.startswith("/v1/{tenant:str}/"):
            raise AssertionError(f"{route.method} {route.path}: write routes live under /v1/{{tenant}}")
        enabled = [c for c in cities if route.module_id is None or route.module_id in plan.tenants[c].modules]
        assert enabled, f"{route.method} {route.path}: module {route.module_id} is enabled nowhere"
        for city in enabled:
            url = route.url(city)
            where = f"{route.method} {url} ({route.handler.handler_name})"
            anonymous = await client.request(route.method, url)
            assert anonymous.status_code == 401, f"{where} anonymous: {anonymous.status_code} {anonymous.text}"
            assert anonymous.headers["content-type"].startswith("application/problem+json")

            stranger = await client.request(route.method, url, headers=staff[other[city]])
            if route.for_devices:
                assert stranger.status_code == 401, f"{where} staff: {stranger.status_code} {stranger.text}"
                stranger = await client.request(route.method, url, headers=devices[other[city]])
            assert stranger.status_code == 403, f"{where} other city: {stranger.status_code} {stranger.text}"
            checked.append(where)
    assert len(checked) >= len(routes)


# -- (c) OpenAPI -----------------------------------------------------------------------------------


def _openapi_path(path: str) -> str:
    return PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


async def test_openapi_describes_every_route(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    schema = app.openapi_schema.to_schema()
    paths = schema["paths"]
    operation_ids: list[str] = []
    described = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            path = _openapi_path(route.path)
            assert path in paths, f"{path} is missing from the OpenAPI document"
            for method in sorted(set(handler.http_methods) - {"HEAD", "OPTIONS"}):
                operation = paths[path].get(method.lower())
                assert operation is not None, f"{method} {path} is missing from the OpenAPI document"
                assert operation.get("responses"), f"{method} {path} documents no responses"
                assert operation.get("summary") or operation.get("description"), f"{method} {path} is undocumented"
                operation_ids.append(operation["operationId"])
                described += 1
    assert described >= 10
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"
    assert "/v1/{tenant}/waste/pickups" in paths
    served = await client.get("/schema/openapi.json")
    assert served.status_code == 200
    assert served.json()["paths"].keys() == paths.keys()
