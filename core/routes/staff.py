"""Staff sign-in and account administration; a city's admin sees and changes only its own staff.

An account another city employs (and one no city employs) does not exist for this city's admin:
every route answers 404 for it, and nothing tells whether its e-mail has an account. People come
to a city through an invitation they accept (``core.routes.staff_invitations``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api.errors import Conflict, NotFound
from core.api.guards import require_admin
from core.api.identity import StaffUser
from core.api.limits import Budget
from core.api.paging import paginate
from core.auth.passwords import hash_password, needs_rehash, verify_password
from core.auth.tokens import staff_token
from core.loader import Tenant
from core.models import StaffAccount, StaffGrant
from core.routes import staff_invitations, staff_sessions
from core.routes.deps import request_limits
from core.routes.staff_common import (
    SIGN_IN_WINDOW,
    Email,
    StaffOut,
    account_out,
    check_grants,
    city_account,
    problem,
    staff_of_city,
)
from core.settings import Settings
from core.staff import find_by_email, grants_in, remove_from_city, set_grants
from core.staff_sessions import open_session
from schemas import Key

__all__ = ["ROUTES", "StaffOut"]


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class LoginOut(msgspec.Struct):
    token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


class GrantsIn(msgspec.Struct, forbid_unknown_fields=True):
    grants: Annotated[dict[Key, Key], msgspec.Meta(max_length=50)]


class StaffPage(msgspec.Struct):
    items: list[StaffOut]
    next_cursor: str | None = None


@post(
    "/staff/login",
    status_code=HTTP_200_OK,
    summary="Staff sign-in; returns a bearer token for this city, valid until it expires or is revoked",
    opt={"anonymous_write": "sign-in is how staff get a credential"},
)
async def login(
    data: JSONBody[LoginIn],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[Any, Any, Any],
) -> LoginOut:
    settings: Settings = request.app.state.settings
    # Checked before argon2 runs (0.25-0.5 s of CPU per try): a flood is refused cheaply. The
    # account budget is keyed by the e-mail as typed, whether or not an account has it.
    limits = request_limits(request)
    await limits.spend(Budget("sign-in-address", settings.sign_in_per_address, SIGN_IN_WINDOW))
    await limits.spend(Budget("sign-in-account", settings.sign_in_per_account, SIGN_IN_WINDOW), data.email.lower())
    account = await find_by_email(db_session, data.email)
    ok = verify_password(account.password_hash if account else None, data.password)
    if account is None or not ok or not account.active:
        raise NotAuthorizedException(detail="e-mail or password is wrong")
    if not await grants_in(db_session, account.id, city.slug):
        raise NotAuthorizedException(detail="e-mail or password is wrong")
    if needs_rehash(account.password_hash):
        # argon2-cffi raised its defaults since this hash was made: the plain password is at hand
        # only now, so upgrade the stored hash in the same transaction.
        account.password_hash = hash_password(data.password)
    opened = await open_session(db_session, account.id, city.slug, settings.staff_token_hours)
    token = staff_token(request.app.state.auth, opened)
    return LoginOut(token=token, expires_in=settings.staff_token_hours * 3600)


@get("/staff/me", guards=[staff_of_city], summary="The signed-in staff account in this city")
async def staff_me(
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[StaffUser, Any, Any],
) -> StaffOut:
    account = await db_session.get(StaffAccount, request.user.staff_id)
    if account is None:
        raise NotFound(detail="account not found")
    return await account_out(db_session, account, city.slug)


@get("/staff/accounts", guards=[require_admin], summary="Staff of this city (accounts with a role here)")
async def list_staff(
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = 50,
) -> StaffPage:
    stmt = select(StaffAccount).where(
        StaffAccount.id.in_(select(StaffGrant.staff_id).where(StaffGrant.tenant_id == city.slug))
    )
    rows, next_cursor = await paginate(
        db_session, stmt, [StaffAccount.email, StaffAccount.id], cursor=cursor, limit=limit
    )
    return StaffPage(items=[await account_out(db_session, a, city.slug) for a in rows], next_cursor=next_cursor)


@put(
    "/staff/accounts/{staff_id:uuid}/grants",
    guards=[require_admin],
    summary="Replace roles in this city (404 for an account without a role here; no roles = deactivate here)",
)
async def replace_grants(
    staff_id: FromPath[uuid.UUID],
    data: JSONBody[GrantsIn],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[Any, Any, Any],
) -> StaffOut:
    grants = check_grants(request.app.state.plan, city, data.grants)
    account = await city_account(db_session, staff_id, city)
    if not grants:
        await remove_from_city(db_session, account, city.slug)
    else:
        await set_grants(db_session, account.id, city.slug, grants)
    return await account_out(db_session, account, city.slug)


@delete(
    "/staff/accounts/{staff_id:uuid}",
    guards=[require_admin],
    status_code=HTTP_204_NO_CONTENT,
    summary=(
        "Deactivate an account in this city: its roles here are removed and its sessions here end at once; "
        "another city's roles stay (coming back takes a new invitation)"
    ),
    responses={409: problem(409, "an admin cannot deactivate their own account")},
)
async def deactivate_staff(
    staff_id: FromPath[uuid.UUID],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[StaffUser, Any, Any],
) -> Response[None]:
    account = await city_account(db_session, staff_id, city)
    if account.id == request.user.staff_id:
        # the city's last admin could otherwise lock everyone out (only the CLI would help)
        raise Conflict(detail="you cannot deactivate your own account")
    await remove_from_city(db_session, account, city.slug)
    return Response(None, status_code=HTTP_204_NO_CONTENT)


ROUTES = [
    login,
    staff_me,
    list_staff,
    replace_grants,
    deactivate_staff,
    *staff_sessions.ROUTES,
    *staff_invitations.ROUTES,
]
