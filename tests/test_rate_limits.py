"""Abuse limits that hold: one budget per client across every route, keyed by a verified identity
or the client address (X-Forwarded-For only from trusted proxies), and named budgets for sign-in
and device registration."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import StartupError
from core.settings import load_settings
from core.staff import create_account, set_grants
from core.testing import STAFF_PASSWORD

DEVICE = {"platform": "ios", "locale": "de", "app_version": "1.0.0"}


class _Peer:
    """The app as reached from ``peer``: what the ASGI server puts in ``scope["client"]``."""

    def __init__(self, app: Litestar, peer: str) -> None:
        self.app, self.peer = app, peer

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (self.peer, 40000)}
        await self.app(scope, receive, send)


@asynccontextmanager
async def _from(app: Litestar, peer: str) -> AsyncIterator[AsyncTestClient[Any]]:
    """A test client whose connection comes from ``peer``."""
    async with AsyncTestClient(app=cast(Any, _Peer(app, peer))) as client:
        yield client


async def test_one_budget_for_every_route(app_factory: Callable[..., Litestar]) -> None:
    app = app_factory(rate_limit_per_minute=4)
    async with _from(app, "198.51.100.1") as client:
        statuses = [
            (await client.get("/v1/dortmund/app-config")).status_code,
            (await client.get("/v1/dortmund/devices/me")).status_code,
            (await client.post("/v1/dortmund/devices", json=DEVICE)).status_code,
            (await client.get("/v1/schwerte/app-config")).status_code,
            (await client.post("/v1/dortmund/staff/login", json={"email": "a@b.de", "password": "x"})).status_code,
        ]
    assert statuses == [200, 401, 201, 200, 429]


async def test_a_forged_or_mangled_credential_spends_the_senders_address(app_factory: Callable[..., Litestar]) -> None:
    app = app_factory(rate_limit_per_minute=3)
    async with _from(app, "198.51.100.2") as client:
        registered = await client.post("/v1/dortmund/devices", json=DEVICE)
        credential = registered.json()["credential"]
        assert (await client.get("/v1/dortmund/app-config")).status_code == 200
        assert (await client.get("/v1/dortmund/app-config")).status_code == 200
        # the address is spent; variations of a header do not open new budgets
        for header in (f"anything {credential}", f"Bearer {credential}x", "Bearer a.b.c", f"Bearer  {credential} "):
            response = await client.get("/v1/dortmund/app-config", headers={"Authorization": header})
            assert response.status_code == 429, header
        # the verified device has a budget of its own (it was created within the address's budget)
        mine = await client.get("/v1/dortmund/devices/me", headers={"Authorization": f"Bearer {credential}"})
        assert mine.status_code == 200, mine.text


async def test_forwarded_for_counts_only_from_a_trusted_proxy(app_factory: Callable[..., Litestar]) -> None:
    untrusting = app_factory(rate_limit_per_minute=2)
    async with _from(untrusting, "10.0.0.7") as client:
        statuses = [
            (await client.get("/v1/dortmund/app-config", headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code
            for i in range(3)
        ]
    assert statuses == [200, 200, 429]  # by default no proxy is trusted, not even loopback

    trusting = app_factory(rate_limit_per_minute=2, trusted_proxies=("10.0.0.0/8",))
    async with _from(trusting, "10.0.0.7") as client:
        by_client = [
            (await client.get("/v1/dortmund/app-config", headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code
            for i in range(3)
        ]
        # a client cannot hide behind an address it prepends itself: the proxy appends the real one
        spoofed = [
            (
                await client.get("/v1/dortmund/app-config", headers={"X-Forwarded-For": f"192.0.2.{i}, 203.0.113.9"})
            ).status_code
            for i in range(3)
        ]
    assert by_client == [200, 200, 200]
    assert spoofed == [200, 200, 429]
    async with _from(trusting, "198.51.100.3") as client:  # not a proxy: its header is ignored
        direct = [
            (await client.get("/v1/dortmund/app-config", headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code
            for i in range(3)
        ]
    assert direct == [200, 200, 429]


async def test_device_registration_has_an_hourly_budget_per_address(app_factory: Callable[..., Litestar]) -> None:
    app = app_factory(device_registrations_per_address_hour=2)
    async with _from(app, "198.51.100.4") as client:
        statuses = [(await client.post("/v1/dortmund/devices", json=DEVICE)).status_code for _ in range(3)]
        refused = await client.post("/v1/dortmund/devices", json=DEVICE)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 0 < int(refused.headers["retry-after"]) <= 3600  # until the hour window rolls
    assert statuses == [201, 201, 429]
    async with _from(app, "198.51.100.5") as other:  # another address is not affected
        assert (await other.post("/v1/dortmund/devices", json=DEVICE)).status_code == 201


async def test_sign_in_is_limited_per_account_without_telling_accounts_apart(
    app_factory: Callable[..., Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        account = await create_account(session, "editor@dortmund.example", "Editor", STAFF_PASSWORD)
        await set_grants(session, account.id, "dortmund", {"*": "admin"})
    app = app_factory(sign_in_per_account=3)

    async def attempts(client: AsyncTestClient[Any], email: str, passwords: list[str]) -> list[int]:
        path = "/v1/dortmund/staff/login"
        return [(await client.post(path, json={"email": email, "password": p})).status_code for p in passwords]

    async with _from(app, "198.51.100.6") as client:
        wrong = ["wrong-password-1", "wrong-password-2", "wrong-password-3"]
        assert await attempts(client, "editor@dortmund.example", [*wrong, STAFF_PASSWORD]) == [401, 401, 401, 429]
        # an e-mail nobody has answers exactly the same way: no enumeration
        assert await attempts(client, "nobody@dortmund.example", [*wrong, STAFF_PASSWORD]) == [401, 401, 401, 429]
        # case does not make a new account budget
        assert await attempts(client, "Editor@Dortmund.example", [STAFF_PASSWORD]) == [429]
    async with _from(app, "198.51.100.7") as elsewhere:  # the account is locked from everywhere
        assert await attempts(elsewhere, "editor@dortmund.example", [STAFF_PASSWORD]) == [429]


async def test_sign_in_is_limited_per_address(app_factory: Callable[..., Litestar]) -> None:
    app = app_factory(sign_in_per_address=2)
    async with _from(app, "198.51.100.8") as client:
        path = "/v1/dortmund/staff/login"
        emails = ["a@x.example", "b@x.example", "c@x.example"]
        statuses = [(await client.post(path, json={"email": e, "password": "guess-guess"})).status_code for e in emails]
    assert statuses == [401, 401, 429]


@pytest.mark.parametrize("value", ["localhost", "10.0.0.0/33", "*"])
def test_a_bad_trusted_proxy_stops_start_up_naming_the_variable(value: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("STADTKERN_TRUSTED_PROXIES", f"127.0.0.1,{value}")
    with pytest.raises(StartupError, match=r"STADTKERN_TRUSTED_PROXIES: .* is not an IP address or network"):
        load_settings(env="test")
