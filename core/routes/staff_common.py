"""What the staff routes share: the e-mail type, the account as a city sees it, the city-staff guard."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.ext.asyncio import AsyncSession

from core.api.contract import BUILTIN_ROLES
from core.api.errors import Invalid, NotFound
from core.api.guards import AUTH_GUARD_MARK
from core.api.identity import ALL_MODULES, StaffUser
from core.http.problems import PROBLEM_MEDIA_TYPE, TITLES
from core.loader import Plan, Tenant
from core.models import StaffAccount
from core.staff import account_in_city, grants_in
from schemas import Problem

SIGN_IN_WINDOW = 15 * 60

Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class StaffOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    display_name: str
    active: bool
    # this city's roles only: module id (or "*") -> role
    grants: dict[str, str]


def problem(status: int, description: str) -> ResponseSpec:
    """An RFC 9457 problem a route answers with besides the ones every route documents."""
    return ResponseSpec(
        data_container=Problem,
        description=f"{TITLES[status]}: {description}",
        media_type=PROBLEM_MEDIA_TYPE,
        generate_examples=False,
    )


async def account_out(session: AsyncSession, account: StaffAccount, tenant: str) -> StaffOut:
    """The account with its roles in ``tenant`` (never another city's)."""
    return StaffOut(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        active=account.active,
        grants=await grants_in(session, account.id, tenant),
    )


async def city_account(session: AsyncSession, staff_id: uuid.UUID, city: Tenant) -> StaffAccount:
    """The account if it works for ``city``; otherwise 404, for unknown and other cities' accounts alike."""
    account = await account_in_city(session, staff_id, city.slug)
    if account is None:
        raise NotFound(detail="account not found")
    return account


def check_grants(plan: Plan, city: Tenant, grants: dict[str, str], where: str = "body.grants") -> dict[str, str]:
    """``grants`` if every module is enabled in ``city`` and every role exists; else a 422 naming it."""
    for module_id, role in grants.items():
        field = f"{where}.{module_id}"
        if module_id != ALL_MODULES and module_id not in city.modules:
            raise Invalid(field, f"module {module_id!r} is not enabled for this city")
        allowed = set(BUILTIN_ROLES)
        if module_id != ALL_MODULES:
            allowed |= set(plan.metas[module_id].roles)
        if role not in allowed:
            raise Invalid(field, f"role must be one of {', '.join(sorted(allowed))}")
    return grants


async def staff_of_city(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Any role in this city, for any module: an editor of one module must be able to see their grants."""
    user = connection.scope.get("user")
    if not isinstance(user, StaffUser):
        raise NotAuthorizedException(detail="staff credentials required")
    tenant = str(connection.path_params.get("tenant", ""))
    if not any(city == tenant for city, _module in user.grants):
        raise PermissionDeniedException(detail="no role in this city")


setattr(staff_of_city, AUTH_GUARD_MARK, True)
