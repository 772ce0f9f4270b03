"""Bearer credentials through Litestar's JWT auth, for both residents' devices and staff.

A request without ``Authorization`` passes as anonymous (public reads); guards decide what needs
a credential. A credential that is present but invalid is always a 401.
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

from core.api.identity import DeviceUser, StaffUser
from core.models import Device, StaffAccount, StaffGrant

DEVICE = "d"
STAFF = "s"


class OptionalJWTMiddleware(JWTAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        if not connection.headers.get(self.auth_header):
            return AuthenticationResult(user=None, auth=None)
        return await super().authenticate_request(connection)


async def load_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> DeviceUser | StaffUser | None:
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
            account = await session.get(StaffAccount, subject)
            if account is None or not account.active:
                return None
            rows = (await session.execute(select(StaffGrant).where(StaffGrant.staff_id == subject))).scalars()
            grants = {(g.tenant_id, g.module_id): g.role for g in rows}
            return StaffUser(staff_id=account.id, email=account.email, grants=grants)
    return None


def build_auth(secret: str) -> JWTAuth[Any, Token]:
    return JWTAuth[Any, Token](
        retrieve_user_handler=load_user,
        token_secret=secret,
        authentication_middleware_class=OptionalJWTMiddleware,
        exclude=["^/schema", "^/health", "^/metrics"],
    )


def device_token(auth: JWTAuth[Any, Token], device: Device, days: int) -> str:
    return auth.create_token(
        identifier=f"{DEVICE}:{device.id}",
        token_expiration=dt.timedelta(days=days),
        token_extras={"ten": device.tenant_id, "cv": device.credential_version},
    )


def staff_token(auth: JWTAuth[Any, Token], account: StaffAccount, hours: int) -> str:
    return auth.create_token(identifier=f"{STAFF}:{account.id}", token_expiration=dt.timedelta(hours=hours))
