"""Dependencies shared by the core's own routes."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException

from core.api.i18n import parse_accept_language
from core.loader import Plan, Tenant


def current_tenant(request: Request[Any, Any, Any]) -> Tenant:
    plan: Plan = request.app.state.plan
    tenant = plan.tenants.get(str(request.path_params.get("tenant", "")))
    if tenant is None:
        raise NotFoundException(detail="unknown city")
    return tenant


async def provide_tenant(request: Request[Any, Any, Any]) -> Tenant:
    return current_tenant(request)


async def provide_locales(request: Request[Any, Any, Any]) -> tuple[str, ...]:
    tenant = current_tenant(request)
    return parse_accept_language(request.headers.get("accept-language"), tenant.info.locales)
