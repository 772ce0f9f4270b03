"""Bearer credentials through Litestar's JWT auth, for both residents' devices and staff.

A request without ``Authorization`` passes as anonymous (public reads); guards decide what needs
a credential. A credential that is present but invalid is always a 401. A staff token names its
session (``sid``): signing out, a password change or deactivation ends the session and the token
with it, at once; the token carries the roles of the session's city only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.authentication import AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.db import utcnow
from core.api.identity import DeviceUser, StaffUser
from core.models import Device, StaffAccount, StaffGrant, StaffSession

DEVICE = "d"
STAFF = "s"
SESSION_CLAIM = "sid"
# Where no credential is read: a token sent there is ignored, never a 401 (core.http.problem_docs).
UNAUTHENTICATED_PATHS = ("^/schema", "^/health", "^/metrics")


class OptionalJWTMiddleware(JWTAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        if not connection.headers.get(self.auth_header):
            return AuthenticationResult(user=None, auth=None)
        return await super().authenticate_request(connection)


async def load_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> DeviceUser | StaffUser | None:
    """The device or staff member a verified token names, or None (a 401) when it no longer holds."""
    factory: async_sessionmaker[AsyncSession] = connection.app.state.session_factory
    kind, _, raw_id = token.sub.partition(":")
    try:
        subject = uuid.UUID(raw_id)
    except ValueError:
        return None
    async with factory() as session:
        if kind == DEVICE:
            device = await session.get(Device, subject)
            extras = token.extras
            if device is None or device.tenant_id != extras.get("ten") or device.credential_version != extras.get("cv"):
                return None
            return DeviceUser(device_id=device.id, tenant=device.tenant_id, locale=device.locale)
        if kind == STAFF:
            sid = session_id(token)
            # a token from before sessions existed (no sid) could never be revoked: refused
            return None if sid is None else await _staff_user(session, subject, sid)
    return None


async def _staff_user(session: AsyncSession, staff_id: uuid.UUID, sid: uuid.UUID) -> StaffUser | None:
    """One statement: the open session (primary key) with its active account and that city's grants."""
    stmt = (
        select(StaffAccount.email, StaffSession.tenant_id, StaffGrant.module_id, StaffGrant.role)
        .select_from(StaffSession)
        .join(StaffAccount, StaffAccount.id == StaffSession.staff_id)
        .outerjoin(
            StaffGrant,
            (StaffGrant.staff_id == StaffSession.staff_id) & (StaffGrant.tenant_id == StaffSession.tenant_id),
        )
        .where(
            StaffSession.id == sid,
            StaffSession.staff_id == staff_id,
            StaffSession.revoked_at.is_(None),
            StaffSession.expires_at > utcnow(),
            StaffAccount.active.is_(True),
        )
    )
    rows = (await session.execute(stmt)).all()
    if not rows:
        return None
    grants = {(r.tenant_id, r.module_id): r.role for r in rows if r.module_id is not None}
    return StaffUser(staff_id=staff_id, email=rows[0].email, grants=grants)


def build_auth(secret: str) -> JWTAuth[Any, Token]:
    return JWTAuth[Any, Token](
        retrieve_user_handler=load_user,
        token_secret=secret,
        authentication_middleware_class=OptionalJWTMiddleware,
        exclude=list(UNAUTHENTICATED_PATHS),
    )


def device_token(auth: JWTAuth[Any, Token], device: Device, days: int) -> str:
    return auth.create_token(
        identifier=f"{DEVICE}:{device.id}",
        token_expiration=dt.timedelta(days=days),
        token_extras={"ten": device.tenant_id, "cv": device.credential_version},
    )


def staff_token(auth: JWTAuth[Any, Token], staff_session: StaffSession) -> str:
    """A bearer token for ``staff_session``, expiring with it."""
    return auth.create_token(
        identifier=f"{STAFF}:{staff_session.staff_id}",
        token_expiration=staff_session.expires_at - utcnow(),
        token_extras={SESSION_CLAIM: str(staff_session.id)},
    )


def session_id(token: object) -> uuid.UUID | None:
    """The session a verified staff token (``request.auth``) names."""
    raw = token.extras.get(SESSION_CLAIM) if isinstance(token, Token) else None
    try:
        return uuid.UUID(str(raw)) if raw is not None else None
    except ValueError:
        return None
