"""Guards for module routes. The core refuses to mount a write route that has none of these."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from core.api.contract import ROLE_ADMIN, ROLE_EDITOR
from core.api.identity import ALL_MODULES, DeviceUser, StaffUser

AUTH_GUARD_MARK = "_stadtkern_auth_guard"
# The credential a guard takes, as the OpenAPI document names its security scheme.
DEVICE_CREDENTIAL = "DeviceCredential"
STAFF_CREDENTIAL = "StaffSession"


def _mark(guard: Any, credential: str) -> Guard:
    setattr(guard, AUTH_GUARD_MARK, credential)
    return guard  # type: ignore[no-any-return]


def _tenant(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return str(connection.path_params.get("tenant", ""))


def _user(connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
    return connection.scope.get("user")


def _module(handler: BaseRouteHandler) -> str:
    return str(handler.opt.get("module_id", ALL_MODULES))


def require_staff(role: str = ROLE_EDITOR) -> Guard:
    """Staff of this city holding ``role`` for the route's module (or admin of it, or of the city)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        """Staff of the request's city with the role for the route's module: else 401 (not staff) or 403."""
        user = _user(connection)
        if not isinstance(user, StaffUser):
            raise NotAuthorizedException(detail="staff credentials required")
        if not user.has_role(_tenant(connection), _module(handler), role):
            raise PermissionDeniedException(detail=f"role {role!r} required for this city and module")

    guard.__name__ = f"require_staff_{role}"
    return _mark(guard, STAFF_CREDENTIAL)


async def _device_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A device registered with the request's city: else 401 (no device credential) or 403 (another city)."""
    user = _user(connection)
    if not isinstance(user, DeviceUser):
        raise NotAuthorizedException(detail="device credential required")
    if user.tenant != _tenant(connection):
        raise PermissionDeniedException(detail="this device is registered with another city")


require_device: Guard = _mark(_device_guard, DEVICE_CREDENTIAL)
require_editor: Guard = require_staff(ROLE_EDITOR)
require_admin: Guard = require_staff(ROLE_ADMIN)


def is_auth_guard(guard: Any) -> bool:
    """Whether ``guard`` is one of these (it checks a credential), which every write route needs."""
    return bool(getattr(guard, AUTH_GUARD_MARK, False))


def credential_of(guard: Any) -> str | None:
    """The credential an auth guard takes (``DeviceCredential`` or ``StaffSession``), else None."""
    credential = getattr(guard, AUTH_GUARD_MARK, None)
    return credential if isinstance(credential, str) else None
