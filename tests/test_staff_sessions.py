"""Staff sessions: sign-out, a password change, deactivation and an admin's revocation end a token at once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import StaffAccount, StaffSession
from core.testing import STAFF_PASSWORD, staff_headers
from tests.test_staff import PASSWORD, join, sign_in

ME = "/v1/dortmund/staff/me"
NEW_PASSWORD = "a brand new passphrase"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


async def _editor(client: AsyncTestClient[Litestar], admin: dict[str, str], email: str = "ed@dortmund.de") -> str:
    return str((await join(client, admin, email))["id"])


async def test_logout_ends_only_this_session(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    await _editor(client, admin)
    laptop = await sign_in(client, "ed@dortmund.de")
    phone = await sign_in(client, "ed@dortmund.de")
    out = await client.post("/v1/dortmund/staff/logout", headers=laptop)
    assert out.status_code == 204, out.text
    assert out.content == b""
    _problem(await client.get(ME, headers=laptop), 401)
    _problem(await client.post("/v1/dortmund/staff/logout", headers=laptop), 401)
    assert (await client.get(ME, headers=phone)).status_code == 200
    async with sessions() as session:
        rows = (await session.scalars(select(StaffSession).where(StaffSession.tenant_id == "dortmund"))).all()
    assert sum(1 for r in rows if r.revoked_at is not None) == 1


async def test_password_change_ends_every_other_session(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    await _editor(client, admin)
    here = await sign_in(client, "ed@dortmund.de")
    stolen = await sign_in(client, "ed@dortmund.de")
    url = "/v1/dortmund/staff/me/password"
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

    wrong = await client.put(url, json={**body, "current_password": "not the password"}, headers=here)
    assert [e["field"] for e in _problem(wrong, 422)["errors"]] == ["body.current_password"]
    short = await client.put(url, json={**body, "new_password": "too short"}, headers=here)
    assert [e["field"] for e in _problem(short, 422)["errors"]] == ["body.new_password"]
    same = await client.put(url, json={**body, "new_password": PASSWORD}, headers=here)
    assert [e["field"] for e in _problem(same, 422)["errors"]] == ["body.new_password"]
    missing = await client.put(url, json={"new_password": NEW_PASSWORD}, headers=here)
    assert [e["field"] for e in _problem(missing, 422)["errors"]] == ["body.current_password"]
    assert (await client.get(ME, headers=stolen)).status_code == 200  # nothing changed so far

    changed = await client.put(url, json=body, headers=here)
    assert changed.status_code == 204, changed.text
    _problem(await client.get(ME, headers=stolen), 401)
    assert (await client.get(ME, headers=here)).status_code == 200  # the session that changed it stays
    old = await client.post("/v1/dortmund/staff/login", json={"email": "ed@dortmund.de", "password": PASSWORD})
    _problem(old, 401)
    await sign_in(client, "ed@dortmund.de", NEW_PASSWORD)


async def test_admin_lists_and_ends_an_accounts_sessions(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    editor_id = await _editor(client, admin)
    url = f"/v1/dortmund/staff/accounts/{editor_id}/sessions"
    assert (await client.get(url, headers=admin)).json() == {"items": []}
    first = await sign_in(client, "ed@dortmund.de")
    second = await sign_in(client, "ed@dortmund.de")
    third = await sign_in(client, "ed@dortmund.de")

    listed = (await client.get(url, headers=admin)).json()["items"]
    assert len(listed) == 3
    assert {s["city"] for s in listed} == {"dortmund"}
    assert set(listed[0]) == {"id", "created_at", "expires_at", "city"}  # no address, no user agent
    created = dt.datetime.fromisoformat(listed[0]["created_at"])
    expires = dt.datetime.fromisoformat(listed[0]["expires_at"])
    assert dt.timedelta(hours=7) < expires - created <= dt.timedelta(hours=8, seconds=1)

    # one session: the newest is listed first, and it is the third sign-in's
    one = await client.delete(f"{url}/{listed[0]['id']}", headers=admin)
    assert one.status_code == 204, one.text
    _problem(await client.get(ME, headers=third), 401)
    assert (await client.get(ME, headers=first)).status_code == 200
    _problem(await client.delete(f"{url}/{listed[0]['id']}", headers=admin), 404)
    assert len((await client.get(url, headers=admin)).json()["items"]) == 2

    ended = await client.delete(url, headers=admin)
    assert ended.status_code == 204, ended.text
    for headers in (first, second):
        _problem(await client.get(ME, headers=headers), 401)
    assert (await client.get(url, headers=admin)).json() == {"items": []}
    assert (await client.get(ME, headers=admin)).status_code == 200  # the admin's own session is another's
    await sign_in(client, "ed@dortmund.de")  # ending sessions is no lock-out


async def test_editors_cannot_see_or_end_sessions(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    admin_id = (await client.get(ME, headers=admin)).json()["id"]
    editor = await staff_headers(client, sessions, grants={"push": "admin"}, email="pa@dortmund.de")
    url = f"/v1/dortmund/staff/accounts/{admin_id}/sessions"
    _problem(await client.get(url, headers=editor), 403)
    _problem(await client.delete(url, headers=editor), 403)
    _problem(await client.delete(f"/v1/dortmund/staff/accounts/{admin_id}", headers=editor), 403)
    assert (await client.get(ME, headers=admin)).status_code == 200


async def test_deactivation_ends_the_sessions_at_once(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    editor_id = await _editor(client, admin)
    editor = await sign_in(client, "ed@dortmund.de")
    gone = await client.delete(f"/v1/dortmund/staff/accounts/{editor_id}", headers=admin)
    assert gone.status_code == 204, gone.text
    _problem(await client.get(ME, headers=editor), 401)
    again = await client.post("/v1/dortmund/staff/login", json={"email": "ed@dortmund.de", "password": PASSWORD})
    _problem(again, 401)
    listed = (await client.get("/v1/dortmund/staff/accounts", headers=admin)).json()["items"]
    assert [a["email"] for a in listed] == ["admin@dortmund.de"]
    _problem(await client.delete(f"/v1/dortmund/staff/accounts/{editor_id}", headers=admin), 404)
    async with sessions() as session:
        account = await session.get(StaffAccount, uuid.UUID(editor_id))
        assert account is not None and account.active is False  # no city employs it any more

    admin_id = (await client.get(ME, headers=admin)).json()["id"]
    own = await client.delete(f"/v1/dortmund/staff/accounts/{admin_id}", headers=admin)
    assert "own account" in _problem(own, 409)["detail"]


async def test_removing_every_role_is_a_deactivation(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    editor_id = await _editor(client, admin)
    editor = await sign_in(client, "ed@dortmund.de")
    emptied = await client.put(f"/v1/dortmund/staff/accounts/{editor_id}/grants", json={"grants": {}}, headers=admin)
    assert emptied.status_code == 200, emptied.text
    _problem(await client.get(ME, headers=editor), 401)
    _problem(await client.get(f"/v1/dortmund/staff/accounts/{editor_id}/sessions", headers=admin), 404)


async def test_a_token_without_an_open_session_is_refused(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    assert (await client.get(ME, headers=admin)).status_code == 200
    admin_id = (await client.get(ME, headers=admin)).json()["id"]
    auth = app.state.auth

    def bearer(**extras: Any) -> dict[str, str]:
        token = auth.create_token(identifier=f"s:{admin_id}", token_expiration=dt.timedelta(hours=1), **extras)
        return {"Authorization": f"Bearer {token}"}

    # a token as issued before sessions existed: valid signature, no sid
    _problem(await client.get(ME, headers=bearer()), 401)
    _problem(await client.get(ME, headers=bearer(token_extras={"sid": str(uuid.uuid4())})), 401)
    _problem(await client.get(ME, headers=bearer(token_extras={"sid": "not-a-uuid"})), 401)

    async with sessions() as session:
        sid = (await session.scalars(select(StaffSession.id))).one()
    # another account's session id in a token does not open it either
    other = await staff_headers(client, sessions, email="other@dortmund.de")
    assert (await client.get(ME, headers=other)).status_code == 200
    forged = auth.create_token(
        identifier=f"s:{uuid.uuid4()}", token_expiration=dt.timedelta(hours=1), token_extras={"sid": str(sid)}
    )
    _problem(await client.get(ME, headers={"Authorization": f"Bearer {forged}"}), 401)

    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    async with sessions() as session, session.begin():
        await session.execute(update(StaffSession).where(StaffSession.id == sid).values(expires_at=past))
    _problem(await client.get(ME, headers=admin), 401)  # the session expired, whatever the token says


async def test_an_inactive_account_is_refused_at_once(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    async with sessions() as session, session.begin():
        await session.execute(update(StaffAccount).values(active=False))
    _problem(await client.get(ME, headers=admin), 401)
    login = await client.post(
        "/v1/dortmund/staff/login", json={"email": "admin@dortmund.de", "password": STAFF_PASSWORD}
    )
    _problem(login, 401)


async def test_a_token_carries_only_the_city_it_was_opened_in(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    schwerte_admin = await staff_headers(client, sessions, tenant="schwerte", email="admin@schwerte.de")
    dortmund_admin = await staff_headers(client, sessions, email="admin@dortmund.de")
    await join(client, dortmund_admin, "admin@schwerte.de", STAFF_PASSWORD, grants={"*": "admin"})
    # the Schwerte token does not reach Dortmund, though the person now works for both
    _problem(await client.get("/v1/dortmund/staff/accounts", headers=schwerte_admin), 403)
    in_dortmund = await sign_in(client, "admin@schwerte.de", STAFF_PASSWORD)
    assert (await client.get("/v1/dortmund/staff/accounts", headers=in_dortmund)).status_code == 200
    _problem(await client.get("/v1/schwerte/staff/accounts", headers=in_dortmund), 403)
