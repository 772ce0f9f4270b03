"""Dependencies shared by the core's own routes."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException

from core.api.i18n import parse_accept_language
from core.api.limits import RateLimits
from core.http.rate_limit import client_address
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


def request_limits(request: Request[Any, Any, Any]) -> RateLimits:
    """The named budgets (``core.api.limits``) as the request's client in the request's city spends them."""
    return RateLimits(request.app.state.limiter, client_address(request.scope), current_tenant(request).slug)  # type: ignore[arg-type]
