"""Staff administration stays inside the city; a person comes to a second city by accepting an invitation."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import StaffAccount, StaffGrant, StaffInvitation, StaffSession
from core.testing import STAFF_PASSWORD, staff_headers
from tests.test_staff import PASSWORD, accept, editor_body, invite, join, sign_in

INVITATIONS = "/v1/dortmund/staff/invitations"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {k: v for k, v in response.json().items() if k not in ("request_id", "instance")}


async def sign_in_raw(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD) -> Any:
    return await client.post("/v1/dortmund/staff/login", json={"email": email, "password": password})


async def _two_cities(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> tuple[dict[str, str], dict[str, str], str]:
    """Dortmund's admin, and a Schwerte-only editor's headers and id."""
    dortmund = await staff_headers(client, sessions, email="admin@dortmund.de")
    schwerte = await staff_headers(
        client, sessions, tenant="schwerte", grants={"push": "editor"}, email="s@schwerte.de"
    )
    schwerte_id = (await client.get("/v1/schwerte/staff/me", headers=schwerte)).json()["id"]
    return dortmund, schwerte, schwerte_id


async def test_another_citys_account_is_not_found_on_every_staff_route(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund, schwerte, schwerte_id = await _two_cities(client, sessions)
    async with sessions() as session:
        sid = (await session.scalars(select(StaffSession.id).where(StaffSession.tenant_id == "schwerte"))).one()
    unknown_id = str(uuid.uuid4())

    def calls(account: str) -> list[tuple[str, str, dict[str, Any] | None]]:
        base = f"/v1/dortmund/staff/accounts/{account}"
        return [
            ("PUT", f"{base}/grants", {"grants": {"*": "admin"}}),
            ("PUT", f"{base}/grants", {"grants": {}}),
            ("GET", f"{base}/sessions", None),
            ("DELETE", f"{base}/sessions", None),
            ("DELETE", f"{base}/sessions/{sid}", None),
            ("DELETE", base, None),
        ]

    for (method, url, body), (_, unknown_url, _) in zip(calls(schwerte_id), calls(unknown_id), strict=True):
        foreign = await client.request(method, url, json=body, headers=dortmund)
        unknown = await client.request(method, unknown_url, json=body, headers=dortmund)
        # the same answer as for an account that does not exist: nothing about it, not even its e-mail
        assert _problem(foreign, 404) == _problem(unknown, 404), f"{method} {url}"
        assert "s@schwerte.de" not in foreign.text
    async with sessions() as session:
        grants = (await session.scalars(select(StaffGrant).where(StaffGrant.staff_id == uuid.UUID(schwerte_id)))).all()
        assert {(g.tenant_id, g.module_id, g.role) for g in grants} == {("schwerte", "push", "editor")}
    assert (await client.get("/v1/schwerte/staff/me", headers=schwerte)).status_code == 200
    listed = (await client.get("/v1/dortmund/staff/accounts", headers=dortmund)).json()["items"]
    assert "s@schwerte.de" not in str(listed)


async def test_an_invitation_does_not_tell_whether_the_email_exists_elsewhere(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund, _, _ = await _two_cities(client, sessions)
    known = await client.post(INVITATIONS, json=editor_body("s@schwerte.de"), headers=dortmund)
    fresh = await client.post(INVITATIONS, json=editor_body("fresh@dortmund.de"), headers=dortmund)
    assert known.status_code == fresh.status_code == 201, known.text

    def shape(body: dict[str, Any]) -> dict[str, Any]:
        invitation = {k: v for k, v in body["invitation"].items() if k not in ("id", "email", "expires_at")}
        return {**body, "invitation": invitation, "token": len(body["token"])}

    assert shape(known.json()) == shape(fresh.json())
    assert known.json()["accept_path"] == "/v1/dortmund/staff/invitations/accept"
    # the pending list shows what the admin typed, nothing from the existing account
    pending = (await client.get(INVITATIONS, headers=dortmund)).json()["items"]
    assert sorted(i["email"] for i in pending) == ["fresh@dortmund.de", "s@schwerte.de"]
    assert {i["display_name"] for i in pending} == {"Ed Itor"}

    # only the city's own staff is told apart (its admin lists them anyway)
    await join(client, dortmund, "ed@dortmund.de")
    again = await client.post(INVITATIONS, json=editor_body("Ed@Dortmund.de"), headers=dortmund)
    assert "staff of this city" in _problem(again, 409)["detail"]


async def test_a_new_person_accepts_an_invitation(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund = await staff_headers(client, sessions, email="admin@dortmund.de")
    created = await invite(client, dortmund, "New.Person@Dortmund.de", grants={"push": "editor", "events": "editor"})
    assert created["invitation"]["email"] == "new.person@dortmund.de"
    async with sessions() as session:
        row = (await session.scalars(select(StaffInvitation))).one()
        # only the token's SHA-256 is kept
        assert row.token_hash == hashlib.sha256(created["token"].encode()).hexdigest()
        assert created["token"] not in str(row.__dict__)
        expires = row.expires_at
    assert dt.timedelta(days=6, hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    _problem(await sign_in_raw(client, "new.person@dortmund.de"), 401)  # no account before acceptance

    accepted = await accept(client, created["token"])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["grants"] == {"push": "editor", "events": "editor"}
    assert accepted.json()["display_name"] == "Ed Itor"
    headers = await sign_in(client, "new.person@dortmund.de")
    assert (await client.get("/v1/dortmund/staff/me", headers=headers)).json()["email"] == "new.person@dortmund.de"
    assert (await client.get(INVITATIONS, headers=dortmund)).json() == {"items": []}

    used = await accept(client, created["token"], "another long password")
    assert "used or has expired" in _problem(used, 410)["detail"]
    _problem(await accept(client, "no-such-token"), 404)


async def test_someone_working_for_schwerte_joins_dortmund_with_their_password(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund, schwerte, schwerte_id = await _two_cities(client, sessions)
    created = await invite(client, dortmund, "S@Schwerte.de", grants={"events": "editor"}, display_name="Someone")

    # a new password for an existing account: refused, nothing attached (no roles without consent)
    wrong = await accept(client, created["token"], "a password of my choice")
    _problem(wrong, 401)
    async with sessions() as session:
        staff_ids = set(await session.scalars(select(StaffGrant.staff_id).where(StaffGrant.tenant_id == "dortmund")))
    assert uuid.UUID(schwerte_id) not in staff_ids
    _problem(await sign_in_raw(client, "s@schwerte.de", STAFF_PASSWORD), 401)

    accepted = await accept(client, created["token"], STAFF_PASSWORD)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["id"] == schwerte_id
    assert accepted.json()["grants"] == {"events": "editor"}  # Dortmund's roles only
    assert accepted.json()["display_name"] == "Test Staff"  # the account keeps its own name
    await sign_in(client, "s@schwerte.de", STAFF_PASSWORD)
    assert (await client.get("/v1/schwerte/staff/me", headers=schwerte)).json()["grants"] == {"push": "editor"}
    listed = (await client.get("/v1/dortmund/staff/accounts", headers=dortmund)).json()["items"]
    assert "s@schwerte.de" in [a["email"] for a in listed]


async def test_deactivation_in_one_city_leaves_the_other(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund, schwerte, schwerte_id = await _two_cities(client, sessions)
    await join(client, dortmund, "s@schwerte.de", STAFF_PASSWORD)
    in_dortmund = await sign_in(client, "s@schwerte.de", STAFF_PASSWORD)
    gone = await client.delete(f"/v1/dortmund/staff/accounts/{schwerte_id}", headers=dortmund)
    assert gone.status_code == 204, gone.text
    _problem(await client.get("/v1/dortmund/staff/me", headers=in_dortmund), 401)
    _problem(await sign_in_raw(client, "s@schwerte.de", STAFF_PASSWORD), 401)
    # Schwerte's roles, session and sign-in are untouched
    assert (await client.get("/v1/schwerte/staff/me", headers=schwerte)).json()["grants"] == {"push": "editor"}
    await sign_in(client, "s@schwerte.de", STAFF_PASSWORD, tenant="schwerte")
    async with sessions() as session:
        account = await session.get(StaffAccount, uuid.UUID(schwerte_id))
        assert account is not None and account.active is True
    # Dortmund sees what it sees for any account it never employed
    _problem(await client.get(f"/v1/dortmund/staff/accounts/{schwerte_id}/sessions", headers=dortmund), 404)


async def test_an_account_no_city_employs_comes_back_by_invitation(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund = await staff_headers(client, sessions, email="admin@dortmund.de")
    editor_id = (await join(client, dortmund, "ed@dortmund.de"))["id"]
    assert (await client.delete(f"/v1/dortmund/staff/accounts/{editor_id}", headers=dortmund)).status_code == 204
    back = await join(client, dortmund, "ed@dortmund.de", grants={"events": "editor"})
    assert back["id"] == editor_id and back["active"] is True and back["grants"] == {"events": "editor"}
    await sign_in(client, "ed@dortmund.de")


async def test_invitations_expire_are_withdrawn_and_stay_in_their_city(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund = await staff_headers(client, sessions, email="admin@dortmund.de")
    schwerte = await staff_headers(client, sessions, tenant="schwerte", email="admin@schwerte.de")
    first = await invite(client, dortmund, "late@dortmund.de")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    async with sessions() as session, session.begin():
        await session.execute(update(StaffInvitation).values(expires_at=past))
    assert (await client.get(INVITATIONS, headers=dortmund)).json() == {"items": []}
    _problem(await accept(client, first["token"]), 410)

    # another city's URL knows no Dortmund invitation, neither to accept nor to withdraw
    second = await invite(client, dortmund, "late@dortmund.de")
    _problem(await accept(client, second["token"], tenant="schwerte"), 404)
    withdraw = f"/v1/schwerte/staff/invitations/{second['invitation']['id']}"
    _problem(await client.delete(withdraw, headers=schwerte), 404)
    _problem(await client.delete(f"{INVITATIONS}/{second['invitation']['id']}", headers=schwerte), 403)

    # inviting again replaces the token; withdrawing ends the new one
    third = await invite(client, dortmund, "late@dortmund.de")
    _problem(await accept(client, second["token"]), 404)
    assert (await client.delete(f"{INVITATIONS}/{third['invitation']['id']}", headers=dortmund)).status_code == 204
    _problem(await accept(client, third["token"]), 404)
    _problem(await client.delete(f"{INVITATIONS}/{third['invitation']['id']}", headers=dortmund), 404)
    async with sessions() as session:
        assert (await session.scalars(select(StaffAccount).where(StaffAccount.email == "late@dortmund.de"))).all() == []


async def test_a_new_invitation_is_read_where_location_says_without_its_token(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund = await staff_headers(client, sessions, email="admin@dortmund.de")
    created = await client.post(INVITATIONS, json=editor_body("new@dortmund.de"), headers=dortmund)
    assert created.status_code == 201, created.text
    invitation, token = created.json()["invitation"], created.json()["token"]
    assert created.headers["location"] == f"{INVITATIONS}/{invitation['id']}"
    read = await client.get(created.headers["location"], headers=dortmund)
    assert read.status_code == 200, read.text
    assert read.json() == invitation  # what the list shows: the token only ever in the creation's answer
    assert token not in read.text and "token" not in read.json()
    assert (await client.get(INVITATIONS, headers=dortmund)).json()["items"] == [invitation]

    # admins of this city only: not without credentials, not an editor, not another city's admin
    _problem(await client.get(created.headers["location"]), 401)
    editor = await staff_headers(client, sessions, grants={"push": "editor"}, email="ed@dortmund.de")
    _problem(await client.get(created.headers["location"], headers=editor), 403)
    schwerte = await staff_headers(client, sessions, tenant="schwerte", email="admin@schwerte.de")
    _problem(await client.get(created.headers["location"], headers=schwerte), 403)
    foreign = f"/v1/schwerte/staff/invitations/{invitation['id']}"
    assert _problem(await client.get(foreign, headers=schwerte), 404) == _problem(
        await client.get(f"/v1/schwerte/staff/invitations/{uuid.uuid4()}", headers=schwerte), 404
    )
    # as listed: a used, withdrawn or expired one is not found any more
    assert (await accept(client, token)).status_code == 200
    _problem(await client.get(created.headers["location"], headers=dortmund), 404)
    withdrawn = await invite(client, dortmund, "later@dortmund.de")
    url = f"{INVITATIONS}/{withdrawn['invitation']['id']}"
    assert (await client.delete(url, headers=dortmund)).status_code == 204
    _problem(await client.get(url, headers=dortmund), 404)
    expired = await invite(client, dortmund, "late@dortmund.de")
    async with sessions() as session, session.begin():
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        await session.execute(update(StaffInvitation).values(expires_at=past))
    _problem(await client.get(f"{INVITATIONS}/{expired['invitation']['id']}", headers=dortmund), 404)


async def test_wrong_invitation_input_is_422_naming_the_field(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    dortmund = await staff_headers(client, sessions, email="admin@dortmund.de")

    async def fields(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> list[str]:
        response = await client.post(url, json=body, headers=headers)
        return [e["field"] for e in _problem(response, 422)["errors"]]

    assert await fields(INVITATIONS, editor_body("x@dortmund.de", grants={}), dortmund) == ["body.grants"]
    assert await fields(INVITATIONS, editor_body("x@dortmund.de", grants={"nope": "editor"}), dortmund) == [
        "body.grants.nope"
    ]
    assert await fields(INVITATIONS, editor_body("x@dortmund.de", display_name=""), dortmund) == ["body.display_name"]
    assert await fields(INVITATIONS, {**editor_body("x@dortmund.de"), "password": PASSWORD}, dortmund) == [
        "body.password"
    ]
    accept_url = f"{INVITATIONS}/accept"
    assert await fields(accept_url, {"password": PASSWORD}) == ["body.token"]
    assert await fields(accept_url, {"token": "t", "password": "short"}) == ["body.password"]
    assert await fields(accept_url, {"token": "t" * 129, "password": PASSWORD}) == ["body.token"]


async def test_accepting_is_rate_limited_per_address(app_factory: Any) -> None:
    async with AsyncTestClient(app=app_factory(sign_in_per_address=2)) as client:
        statuses = [(await accept(client, f"guess-{i}")).status_code for i in range(3)]
    assert statuses == [404, 404, 429]
