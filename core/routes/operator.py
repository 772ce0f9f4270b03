"""Operator surfaces: Prometheus metrics and the OpenAPI UI, public in dev, opt-in in production.

On the public port in production, ``/metrics`` told anyone the traffic of every route and
``/schema`` served an interactive client. Production now answers 404 for both unless the operator
opts in: ``STADTKERN_METRICS_TOKEN`` (Prometheus sends it as a bearer token) and
``STADTKERN_PUBLIC_DOCS=true``. App developers use the committed ``schemas/openapi.json``.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import License
from litestar.plugins.prometheus import PrometheusController
from litestar.static_files import create_static_files_router

from core import __version__
from core.http.openapi_names import NamedOpenAPIConfig, operation_id
from core.settings import Settings

DOCS_PATH = "/schema"
# Swagger UI's files ship with the core (core/http/docs_assets, PROVENANCE.md there): the UI works
# offline and no CDN learns who reads the documentation.
SWAGGER_UI_VERSION = "5.18.2"
# The version in the path: a new one is a new URL, so browsers may keep each for a year.
ASSETS_PATH = f"{DOCS_PATH}/assets/swagger-ui-{SWAGGER_UI_VERSION}"
ASSETS_DIR = Path(__file__).resolve().parent.parent / "http" / "docs_assets" / "swagger-ui"


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
        render_plugins=[
            SwaggerRenderPlugin(
                version=SWAGGER_UI_VERSION,
                js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
                css_url=f"{ASSETS_PATH}/swagger-ui.css",
                standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
                favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
            )
        ],
        openapi_router=router,
    )


def docs_asset_routes(settings: Settings) -> list[Any]:
    """Swagger UI's script, style and icon under ``/schema/assets``, where the UI is served."""
    if not docs_are_public(settings):
        return []
    return [
        create_static_files_router(
            path=ASSETS_PATH,
            directories=[ASSETS_DIR],
            include_in_schema=False,
            cache_control=CacheControlHeader(public=True, max_age=31_536_000, immutable=True),
            name="docs-assets",
        )
    ]


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
