"""Staff sign-in and account administration, city by city; the ``create-admin`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import StaffAccount, StaffGrant, StaffInvitation
from core.testing import STAFF_PASSWORD, staff_headers

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a sufficiently long passphrase"


def editor_body(email: str, **overrides: Any) -> dict[str, Any]:
    """An invitation of ``email`` as a push editor."""
    return {"email": email, "display_name": "Ed Itor", "grants": {"push": "editor"}, **overrides}


async def invite(
    client: AsyncTestClient[Litestar], admin: dict[str, str], email: str, tenant: str = "dortmund", **overrides: Any
) -> dict[str, Any]:
    """The admin's invitation of ``email`` (201), with its one-time token."""
    response = await client.post(f"/v1/{tenant}/staff/invitations", json=editor_body(email, **overrides), headers=admin)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def accept(
    client: AsyncTestClient[Litestar], token: str, password: str = PASSWORD, tenant: str = "dortmund"
) -> Any:
    """The invitee's answer to an invitation (a response, to check its status)."""
    return await client.post(f"/v1/{tenant}/staff/invitations/accept", json={"token": token, "password": password})


async def join(
    client: AsyncTestClient[Litestar],
    admin: dict[str, str],
    email: str,
    password: str = PASSWORD,
    tenant: str = "dortmund",
    **overrides: Any,
) -> dict[str, Any]:
    """Invited and accepted: the account as the city sees it."""
    invitation = await invite(client, admin, email, tenant, **overrides)
    accepted = await accept(client, invitation["token"], password, tenant)
    assert accepted.status_code == 200, accepted.text
    return accepted.json()  # type: ignore[no-any-return]


async def sign_in(
    client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD, tenant: str = "dortmund"
) -> dict[str, str]:
    """Auth headers of a fresh session."""
    login = await client.post(f"/v1/{tenant}/staff/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def _problem_without_id(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "request_id"}


async def test_login_success_and_uniform_failure(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await staff_headers(client, sessions, email="admin@dortmund.de")
    ok = await client.post("/v1/dortmund/staff/login", json={"email": "Admin@Dortmund.de", "password": STAFF_PASSWORD})
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    me = await client.get("/v1/dortmund/staff/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "admin@dortmund.de"
    assert me.json()["grants"] == {"*": "admin"}

    wrong_password = await client.post(
        "/v1/dortmund/staff/login", json={"email": "admin@dortmund.de", "password": "not the password"}
    )
    unknown = await client.post(
        "/v1/dortmund/staff/login", json={"email": "nobody@dortmund.de", "password": "not the password"}
    )
    assert wrong_password.status_code == unknown.status_code == 401
    assert wrong_password.headers["content-type"].startswith("application/problem+json")
    # nothing tells an attacker whether the account exists
    assert _problem_without_id(wrong_password.json()) == _problem_without_id(unknown.json())
    assert "token" not in wrong_password.text


async def test_admin_invites_editor_replaces_grants_and_lists(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    editor = await join(client, admin, "Ed.Itor@Dortmund.de")
    assert editor["email"] == "ed.itor@dortmund.de"
    assert editor["grants"] == {"push": "editor"}
    assert editor["active"] is True

    # the new editor can sign in and sees only their own grant
    editor_auth = await sign_in(client, "ed.itor@dortmund.de")
    assert (await client.get("/v1/dortmund/staff/me", headers=editor_auth)).json()["grants"] == {"push": "editor"}
    listed = (await client.get("/v1/dortmund/staff/accounts", headers=admin)).json()["items"]
    assert [a["email"] for a in listed] == ["admin@dortmund.de", "ed.itor@dortmund.de"]
    assert "password" not in str(listed) and "argon2" not in str(listed)

    replaced = await client.put(
        f"/v1/dortmund/staff/accounts/{editor['id']}/grants",
        json={"grants": {"push": "admin"}},
        headers=admin,
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["grants"] == {"push": "admin"}
    async with sessions() as session:
        rows = (await session.scalars(select(StaffGrant).where(StaffGrant.tenant_id == "dortmund"))).all()
        assert {(str(r.staff_id), r.module_id, r.role) for r in rows if str(r.staff_id) == editor["id"]} == {
            (editor["id"], "push", "admin")
        }

    unknown_module = await client.put(
        f"/v1/dortmund/staff/accounts/{editor['id']}/grants",
        json={"grants": {"no-such-module": "editor"}},
        headers=admin,
    )
    assert unknown_module.status_code == 422
    assert unknown_module.json()["errors"][0]["field"] == "body.grants.no-such-module"
    bad_role = await client.put(
        f"/v1/dortmund/staff/accounts/{editor['id']}/grants", json={"grants": {"*": "mayor"}}, headers=admin
    )
    assert bad_role.status_code == 422
    assert bad_role.json()["errors"][0]["field"] == "body.grants.*"

    missing = await client.put(
        "/v1/dortmund/staff/accounts/00000000-0000-0000-0000-000000000000/grants",
        json={"grants": {}},
        headers=admin,
    )
    assert missing.status_code == 404


async def test_staff_list_is_paginated_with_a_cursor(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="a-admin@dortmund.de")
    for name in ("d", "b", "e", "c"):
        await join(client, admin, f"{name}@dortmund.de")
    # staff of another city are not listed
    await staff_headers(client, sessions, tenant="schwerte", email="z@schwerte.de")

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/v1/dortmund/staff/accounts", params=params, headers=admin)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [item["email"] for item in body["items"]]
        pages += 1
        cursor = body.get("next_cursor")
        if not cursor:
            break
    assert seen == ["a-admin@dortmund.de", "b@dortmund.de", "c@dortmund.de", "d@dortmund.de", "e@dortmund.de"]
    assert pages == 3

    everything = await client.get("/v1/dortmund/staff/accounts", headers=admin)
    assert everything.json()["next_cursor"] is None
    assert len(everything.json()["items"]) == 5


async def test_editor_cannot_manage_accounts(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    editor = await staff_headers(client, sessions, grants={"push": "editor"}, email="ed@dortmund.de")
    create = await client.post("/v1/dortmund/staff/invitations", json=editor_body("x@dortmund.de"), headers=editor)
    assert create.status_code == 403
    assert create.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/dortmund/staff/accounts", headers=editor)).status_code == 403
    # a module admin is not a city admin either
    module_admin = await staff_headers(client, sessions, grants={"push": "admin"}, email="pa@dortmund.de")
    again = await client.post("/v1/dortmund/staff/invitations", json=editor_body("y@dortmund.de"), headers=module_admin)
    assert again.status_code == 403
    assert (await client.get("/v1/dortmund/staff/invitations", headers=module_admin)).status_code == 403
    async with sessions() as session:
        assert (await session.scalars(select(StaffInvitation))).all() == []


async def test_staff_of_one_city_have_no_access_to_another(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    schwerte = await staff_headers(client, sessions, tenant="schwerte", email="admin@schwerte.de")
    login = await client.post(
        "/v1/dortmund/staff/login", json={"email": "admin@schwerte.de", "password": STAFF_PASSWORD}
    )
    assert login.status_code == 401
    assert (await client.get("/v1/dortmund/staff/accounts", headers=schwerte)).status_code == 403
    foreign = await client.post("/v1/dortmund/staff/invitations", json=editor_body("spy@dortmund.de"), headers=schwerte)
    assert foreign.status_code == 403
    assert (await client.get("/v1/dortmund/staff/me", headers=schwerte)).status_code == 403
    # at home the token works
    assert (await client.get("/v1/schwerte/staff/accounts", headers=schwerte)).status_code == 200


async def test_admin_cannot_change_grants_in_another_city(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund = await staff_headers(client, sessions, email="admin@dortmund.de")
    schwerte = await staff_headers(client, sessions, tenant="schwerte", email="admin@schwerte.de")
    schwerte_id = (await client.get("/v1/schwerte/staff/me", headers=schwerte)).json()["id"]
    response = await client.put(
        f"/v1/schwerte/staff/accounts/{schwerte_id}/grants", json={"grants": {}}, headers=dortmund
    )
    assert response.status_code == 403
    assert (await client.get("/v1/schwerte/staff/me", headers=schwerte)).json()["grants"] == {"*": "admin"}


async def test_short_password_is_rejected_and_hash_is_argon2id(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions)
    invitation = await invite(client, admin, "twelve@dortmund.de")
    short = await accept(client, invitation["token"], "elevenchars")
    assert short.status_code == 422
    assert [e["field"] for e in short.json()["errors"]] == ["body.password"]

    exactly_twelve = await accept(client, invitation["token"], "twelve chars")
    assert exactly_twelve.status_code == 200, exactly_twelve.text
    async with sessions() as session:
        account = await session.scalar(select(StaffAccount).where(StaffAccount.email == "twelve@dortmund.de"))
        assert account is not None
        assert account.password_hash.startswith("$argon2id$")
        assert "twelve chars" not in account.password_hash


async def test_bad_email_is_422(client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]) -> None:
    admin = await staff_headers(client, sessions)
    response = await client.post("/v1/dortmund/staff/invitations", json=editor_body("not-an-email"), headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.email"


async def test_accounts_are_not_created_directly(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The old account creation answered 409 for an e-mail of any city; people now come by invitation."""
    admin = await staff_headers(client, sessions)
    body = {**editor_body("new@dortmund.de"), "password": PASSWORD}
    assert (await client.post("/v1/dortmund/staff/accounts", json=body, headers=admin)).status_code == 405


def _cli(database: str, *args: str, password: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STADTKERN_") or k == "STADTKERN_TEST_DATABASE_URL"}
    env.update(
        STADTKERN_ENV="test",
        STADTKERN_DATABASE_URL=database,
        STADTKERN_MANIFEST_PATH="tests/manifest.toml",
        STADTKERN_LOG_JSON="false",
    )
    if password is not None:
        env["STADTKERN_ADMIN_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


async def test_create_admin_command(client: AsyncTestClient[Litestar], database: str) -> None:
    result = _cli(database, "create-admin", "--tenant", "dortmund", "--email", "x@y.de", password=PASSWORD)
    assert result.returncode == 0, result.stderr
    assert "x@y.de" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr

    login = await client.post("/v1/dortmund/staff/login", json={"email": "x@y.de", "password": PASSWORD})
    assert login.status_code == 200, login.text
    admin = {"Authorization": f"Bearer {login.json()['token']}"}
    me = await client.get("/v1/dortmund/staff/me", headers=admin)
    assert me.json()["grants"] == {"*": "admin"}
    created = await client.post("/v1/dortmund/staff/invitations", json=editor_body("new@dortmund.de"), headers=admin)
    assert created.status_code == 201
    # admin of Dortmund only
    schwerte = await client.post("/v1/schwerte/staff/login", json={"email": "x@y.de", "password": PASSWORD})
    assert schwerte.status_code == 401

    # running it again is harmless (idempotent), and it refuses an unknown city or a short password
    assert (
        _cli(database, "create-admin", "--tenant", "dortmund", "--email", "x@y.de", password=PASSWORD).returncode == 0
    )
    unknown = _cli(database, "create-admin", "--tenant", "atlantis", "--email", "x@y.de", password=PASSWORD)
    assert unknown.returncode == 2
    assert "unknown city" in unknown.stderr
    short = _cli(database, "create-admin", "--tenant", "dortmund", "--email", "s@y.de", password="short")
    assert short.returncode == 2
    assert "12 characters" in short.stderr


async def test_sign_in_upgrades_a_hash_made_with_weaker_parameters(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await staff_headers(client, sessions, email="old@dortmund.de")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(STAFF_PASSWORD)
    async with sessions() as session, session.begin():
        account = await session.scalar(select(StaffAccount).where(StaffAccount.email == "old@dortmund.de"))
        assert account is not None
        account.password_hash = weak
    login = await client.post("/v1/dortmund/staff/login", json={"email": "old@dortmund.de", "password": STAFF_PASSWORD})
    assert login.status_code == 200, login.text
    async with sessions() as session:
        stored = await session.scalar(select(StaffAccount.password_hash).where(StaffAccount.email == "old@dortmund.de"))
    assert stored is not None and stored != weak
    assert not PasswordHasher().check_needs_rehash(stored)
    again = await client.post("/v1/dortmund/staff/login", json={"email": "old@dortmund.de", "password": STAFF_PASSWORD})
    assert again.status_code == 200
