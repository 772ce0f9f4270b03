"""The module contract, checked with the test kit for every installed module and for the core.

Every module the deployment can load (``core.loader.discover()``) is enabled somewhere in
tests/manifest.toml, and then each goes through ``core.testing``'s checks: its migrations go
down and up again cleanly, none of its write routes answers an anonymous caller or another
city's credential, another city's seeded rows stay out of its answers and jobs, and the OpenAPI
document describes every route.
"""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.loader import discover
from core.testing import (
    check_isolation,
    check_migrations,
    check_openapi,
    check_write_routes,
    configured_plan,
    write_routes,
)

OCPI_LOCATION = (
    "/v1/{tenant:str}/charging/ocpi/2.2.1/emsp/locations/{country_code:str}/{party_id:str}/{location_id:str}"
)

# The only writes anyone may make without a credential: how a device and a staff member get one.
# Each is a deliberate anonymous write, its reason in the route's opt["anonymous_write"]:
ANONYMOUS_WRITES: dict[str | None, set[tuple[str, str]]] = {
    None: {
        ("POST", "/v1/{tenant:str}/devices"),  # how a device gets its credential
        ("POST", "/v1/{tenant:str}/staff/login"),  # how staff get a credential
        ("POST", "/v1/{tenant:str}/staff/invitations/accept"),  # the invitation token is the credential
    },
    # Mitmachpool: the token from the e-mail is the credential (double opt-in, manage, invitations)
    "participation": {
        ("POST", "/v1/{tenant:str}/participation/pool/registrations"),
        ("POST", "/v1/{tenant:str}/participation/pool/confirm"),
        ("DELETE", "/v1/{tenant:str}/participation/pool/me"),
        ("POST", "/v1/{tenant:str}/participation/invitations/respond"),
    },
    # OCPI receiver: a push partner's OCPI token (Authorization: Token …) is the credential, checked
    # in the handler (modules/charging/tests/test_charging_receiver.py: 401 without or with a wrong one)
    "charging": {
        (method, f"{OCPI_LOCATION}{tail}")
        for method in ("PUT", "PATCH")
        for tail in ("", "/{evse_uid:str}", "/{evse_uid:str}/{connector_id:str}")
    },
}
MODULES = sorted(discover())


def test_every_installed_module_is_enabled_in_the_test_manifest() -> None:
    """Otherwise the contract below would silently skip it."""
    missing = sorted(set(MODULES) - set(configured_plan().specs))
    assert not missing, f"installed but enabled for no city in tests/manifest.toml: {missing}"
    assert {"push", "events", "participation", "waste"} <= set(MODULES)


async def test_anonymous_writes_are_exactly_the_listed_ones(app: Litestar) -> None:
    anonymous = {(r.method, r.path) for r in write_routes(app) if r.anonymous}
    assert anonymous == set().union(*ANONYMOUS_WRITES.values())


@pytest.mark.parametrize("module_id", MODULES)
async def test_migrations_go_down_and_up_again(database: str, module_id: str) -> None:
    await check_migrations(database, module_id)


@pytest.mark.parametrize("module_id", [None, *MODULES])
async def test_every_write_route_refuses_strangers(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], module_id: str | None
) -> None:
    checked = await check_write_routes(app, client, sessions, module_id, ANONYMOUS_WRITES.get(module_id, ()))
    if module_id in (None, "events", "participation", "waste"):
        assert checked, f"{module_id or 'the core'} has write routes; none was checked"


@pytest.mark.parametrize("module_id", MODULES)
async def test_cities_are_isolated(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], module_id: str
) -> None:
    await check_isolation(app, client, sessions, module_id)


@pytest.mark.parametrize("module_id", [None, *MODULES])
async def test_openapi_describes_every_route(
    app: Litestar, client: AsyncTestClient[Litestar], module_id: str | None
) -> None:
    described = await check_openapi(app, client, module_id)
    assert described >= (10 if module_id is None else 1)
    assert "/v1/{tenant}/waste/pickups" in app.openapi_schema.to_schema()["paths"]
