"""Staff sessions over HTTP: sign out, change the password, and an admin's view of an account's sessions.

Each ends sessions at once: the next request with an ended session's token is a 401. A password
change ends every other session of the account, in every city; the one that changed it stays.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from core.api.errors import Invalid, NotFound
from core.api.guards import require_admin
from core.api.identity import StaffUser
from core.api.limits import Budget
from core.auth.passwords import MIN_LENGTH, hash_password, verify_password
from core.auth.tokens import session_id as token_session
from core.loader import Tenant
from core.models import StaffAccount
from core.routes.deps import request_limits
from core.routes.staff_common import SIGN_IN_WINDOW, city_account, staff_of_city
from core.settings import Settings
from core.staff_sessions import end_sessions, open_sessions


class PasswordIn(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Annotated[str, msgspec.Meta(max_length=1024)]
    new_password: Annotated[str, msgspec.Meta(min_length=MIN_LENGTH, max_length=1024)]


class SessionOut(msgspec.Struct):
    id: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime
    # the city the session was opened in (its token carries that city's roles only)
    city: str


class SessionList(msgspec.Struct):
    items: list[SessionOut]


def _own_session(request: Request[StaffUser, Any, Any]) -> uuid.UUID:
    sid = token_session(request.auth)
    if sid is None:  # load_user refuses such tokens; kept so that no path ends "all sessions"
        raise NotAuthorizedException(detail="staff credentials required")
    return sid


def _no_content() -> Response[None]:
    return Response(None, status_code=HTTP_204_NO_CONTENT)


@post(
    "/staff/logout",
    guards=[staff_of_city],
    status_code=HTTP_204_NO_CONTENT,
    summary="Sign out: ends this token's session at once",
)
async def logout(db_session: NamedDependency[AsyncSession], request: Request[StaffUser, Any, Any]) -> Response[None]:
    await end_sessions(db_session, request.user.staff_id, only=_own_session(request))
    return _no_content()


@put(
    "/staff/me/password",
    guards=[staff_of_city],
    status_code=HTTP_204_NO_CONTENT,
    summary="Change the password; every other session of the account (in every city) ends, this one stays",
)
async def change_password(
    data: JSONBody[PasswordIn],
    db_session: NamedDependency[AsyncSession],
    request: Request[StaffUser, Any, Any],
) -> Response[None]:
    settings: Settings = request.app.state.settings
    account = await db_session.get(StaffAccount, request.user.staff_id)
    if account is None:
        raise NotAuthorizedException(detail="staff credentials required")
    # Guessing the current password with a stolen token costs from the same budget as sign-in.
    limits = request_limits(request)
    await limits.spend(Budget("sign-in-account", settings.sign_in_per_account, SIGN_IN_WINDOW), account.email)
    if not verify_password(account.password_hash, data.current_password):
        raise Invalid("body.current_password", "is not the account's password")
    if data.new_password == data.current_password:
        raise Invalid("body.new_password", "must differ from the current password")
    account.password_hash = hash_password(data.new_password)
    await end_sessions(db_session, account.id, keep=_own_session(request))
    return _no_content()


@get(
    "/staff/accounts/{staff_id:uuid}/sessions",
    guards=[require_admin],
    summary="An account's open sessions in this city (404 for an account without a role here)",
)
async def list_sessions(
    staff_id: FromPath[uuid.UUID], city: NamedDependency[Tenant], db_session: NamedDependency[AsyncSession]
) -> SessionList:
    account = await city_account(db_session, staff_id, city)
    rows = await open_sessions(db_session, account.id, city.slug)
    return SessionList(
        items=[SessionOut(id=s.id, created_at=s.created_at, expires_at=s.expires_at, city=s.tenant_id) for s in rows]
    )


@delete(
    "/staff/accounts/{staff_id:uuid}/sessions",
    guards=[require_admin],
    status_code=HTTP_204_NO_CONTENT,
    summary="End all of an account's sessions in this city at once (it can sign in again)",
)
async def end_account_sessions(
    staff_id: FromPath[uuid.UUID], city: NamedDependency[Tenant], db_session: NamedDependency[AsyncSession]
) -> Response[None]:
    account = await city_account(db_session, staff_id, city)
    await end_sessions(db_session, account.id, tenant=city.slug)
    return _no_content()


@delete(
    "/staff/accounts/{staff_id:uuid}/sessions/{session_id:uuid}",
    guards=[require_admin],
    status_code=HTTP_204_NO_CONTENT,
    summary="End one of an account's sessions in this city (404 if it is not open here)",
)
async def end_one_session(
    staff_id: FromPath[uuid.UUID],
    session_id: FromPath[uuid.UUID],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
) -> Response[None]:
    account = await city_account(db_session, staff_id, city)
    if not await end_sessions(db_session, account.id, tenant=city.slug, only=session_id):
        raise NotFound(detail="session not found")
    return _no_content()


ROUTES = [logout, change_password, list_sessions, end_account_sessions, end_one_session]
