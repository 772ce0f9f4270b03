"""Staff sign-in and account administration (city admins manage their own city's staff only)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post, put
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api.contract import BUILTIN_ROLES
from core.api.errors import Conflict, Invalid, NotFound
from core.api.guards import AUTH_GUARD_MARK, require_admin
from core.api.identity import ALL_MODULES, StaffUser
from core.api.limits import Budget
from core.api.paging import paginate
from core.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from core.auth.tokens import staff_token
from core.loader import Plan, Tenant
from core.models import StaffAccount, StaffGrant
from core.routes.deps import request_limits
from core.settings import Settings
from core.staff import create_account, find_by_email, grants_in, set_grants

SIGN_IN_WINDOW = 15 * 60

Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class LoginOut(msgspec.Struct):
    token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


class StaffIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    password: Annotated[str, msgspec.Meta(min_length=MIN_LENGTH, max_length=1024)]
    # module id (or "*" for the whole city) -> role
    grants: dict[str, str]


class GrantsIn(msgspec.Struct, forbid_unknown_fields=True):
    grants: dict[str, str]


class StaffOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    display_name: str
    active: bool
    grants: dict[str, str]


class StaffPage(msgspec.Struct, omit_defaults=True):
    items: list[StaffOut]
    next_cursor: str | None = None


def _check_grants(plan: Plan, city: NamedDependency[Tenant], grants: dict[str, str]) -> dict[str, str]:
    for module_id, role in grants.items():
        where = f"body.grants.{module_id}"
        if module_id != ALL_MODULES and module_id not in city.modules:
            raise Invalid(where, f"module {module_id!r} is not enabled for this city")
        allowed = set(BUILTIN_ROLES)
        if module_id != ALL_MODULES:
            allowed |= set(plan.metas[module_id].roles)
        if role not in allowed:
            raise Invalid(where, f"role must be one of {', '.join(sorted(allowed))}")
    return grants


@post(
    "/staff/login",
    status_code=HTTP_200_OK,
    summary="Staff sign-in; returns a bearer token",
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
    token = staff_token(request.app.state.auth, account, settings.staff_token_hours)
    return LoginOut(token=token, expires_in=settings.staff_token_hours * 3600)


async def _out(session: AsyncSession, account: StaffAccount, tenant: str) -> StaffOut:
    return StaffOut(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        active=account.active,
        grants=await grants_in(session, account.id, tenant),
    )


async def _staff_of_city(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Any role in this city, for any module: an editor of one module must be able to see their grants."""
    user = connection.scope.get("user")
    if not isinstance(user, StaffUser):
        raise NotAuthorizedException(detail="staff credentials required")
    tenant = str(connection.path_params.get("tenant", ""))
    if not any(city == tenant for city, _module in user.grants):
        raise PermissionDeniedException(detail="no role in this city")


setattr(_staff_of_city, AUTH_GUARD_MARK, True)


@get("/staff/me", guards=[_staff_of_city], summary="The signed-in staff account in this city")
async def staff_me(
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[StaffUser, Any, Any],
) -> StaffOut:
    account = await db_session.get(StaffAccount, request.user.staff_id)
    if account is None:
        raise NotFound(detail="account not found")
    return await _out(db_session, account, city.slug)


@get("/staff/accounts", guards=[require_admin], summary="Staff of this city")
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
    return StaffPage(items=[await _out(db_session, a, city.slug) for a in rows], next_cursor=next_cursor)


@post("/staff/accounts", guards=[require_admin], status_code=HTTP_201_CREATED, summary="Create a staff account")
async def create_staff(
    data: JSONBody[StaffIn],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[Any, Any, Any],
) -> StaffOut:
    grants = _check_grants(request.app.state.plan, city, data.grants)
    if await find_by_email(db_session, data.email) is not None:
        raise Conflict(detail="an account with this e-mail exists; grant it roles instead")
    account = await create_account(db_session, data.email, data.display_name, data.password)
    await set_grants(db_session, account.id, city.slug, grants)
    return await _out(db_session, account, city.slug)


@put("/staff/accounts/{staff_id:uuid}/grants", guards=[require_admin], summary="Replace roles in this city")
async def replace_grants(
    staff_id: FromPath[uuid.UUID],
    data: JSONBody[GrantsIn],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[Any, Any, Any],
) -> StaffOut:
    grants = _check_grants(request.app.state.plan, city, data.grants)
    account = await db_session.get(StaffAccount, staff_id)
    if account is None:
        raise NotFound(detail="account not found")
    await set_grants(db_session, account.id, city.slug, grants)
    return await _out(db_session, account, city.slug)
