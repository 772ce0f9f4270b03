"""Operator surfaces: Prometheus metrics and the OpenAPI UI, public in dev, opt-in in production.

On the public port in production, ``/metrics`` told anyone the traffic of every route and
``/schema`` served an interactive client. Production now answers 404 for both unless the operator
opts in: ``STADTKERN_METRICS_TOKEN`` (Prometheus sends it as a bearer token) and
``STADTKERN_PUBLIC_DOCS=true``. App developers use the committed ``schemas/openapi.json``.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import License
from litestar.plugins.prometheus import PrometheusController

from core import __version__
from core.http.openapi_names import NamedOpenAPIConfig, operation_id
from core.settings import Settings

DOCS_PATH = "/schema"


def docs_are_public(settings: Settings) -> bool:
    """The OpenAPI UI and JSON are served: always outside production, in production on request."""
    return settings.env != "production" if settings.public_docs is None else settings.public_docs


def _hidden(_connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    raise NotFoundException()


def openapi_config(settings: Settings, module_titles: dict[str, str] | None = None) -> NamedOpenAPIConfig:
    """The document is always built (``stadtkern openapi`` writes it); its routes answer 404 when hidden.

    ``module_titles`` (module id → title) describe the modules' tags; names: core.http.openapi_names."""
    router = None if docs_are_public(settings) else Router(path=DOCS_PATH, route_handlers=[], guards=[_hidden])
    return NamedOpenAPIConfig(
        title="Stadtkern",
        version=__version__,
        description="Backend of the Stadtkern city app. Paths are /v1/{tenant}/...; errors are RFC 9457.",
        license=License(name="EUPL-1.2", identifier="EUPL-1.2"),
        use_handler_docstrings=True,
        operation_id_creator=operation_id,
        module_titles=module_titles,
        path=DOCS_PATH,
        render_plugins=[SwaggerRenderPlugin(), ScalarRenderPlugin()],
        openapi_router=router,
    )


def metrics_routes(settings: Settings) -> list[Any]:
    """``/metrics`` for Prometheus: open outside production; in production only with the token."""
    token = settings.metrics_token
    if settings.env != "production" and token is None:
        return [PrometheusController]
    if token is None:
        return []
    expected = f"Bearer {token}".encode()

    def scrape_token(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        given = connection.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise NotAuthorizedException(detail="metrics need STADTKERN_METRICS_TOKEN as a bearer token")

    class GuardedMetrics(PrometheusController):
        guards = [scrape_token]

    return [GuardedMetrics]
