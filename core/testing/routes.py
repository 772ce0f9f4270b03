"""The app's routes as the contract checks see them: write routes, parameterless GET routes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from core.api import require_device

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class Route:
    """One method of one path, with the handler that serves it."""

    method: str
    path: str
    handler: HTTPRouteHandler

    @property
    def module_id(self) -> str | None:
        """The module that contributes the route, None for the core's own."""
        value = self.handler.opt.get("module_id")
        return str(value) if value else None

    @property
    def for_devices(self) -> bool:
        """Whether a device credential (not staff) is what the route expects."""
        return require_device in self.handler.resolve_guards()

    @property
    def anonymous(self) -> bool:
        """A deliberate anonymous write, marked with its reason in ``opt["anonymous_write"]``."""
        return bool(self.handler.opt.get("anonymous_write"))

    @property
    def parameters(self) -> list[str]:
        """Names of the path parameters, ``tenant`` included."""
        return [m.group(1) for m in PARAM.finditer(self.path)]

    def url(self, tenant: str) -> str:
        """The path for ``tenant`` with made-up values for the other parameters."""

        def fill(match: re.Match[str]) -> str:
            name, kind = match.group(1), match.group(2)
            if name == "tenant":
                return tenant
            if kind == "uuid":
                return str(uuid.uuid4())
            if kind == "int":
                return "1"
            return "x"

        return PARAM.sub(fill, self.path)


def routes(app: Litestar, module_id: str | None = None, *, every_module: bool = False) -> Iterator[Route]:
    """Every HTTP route of ``module_id`` (None: the core's), or of the whole app with ``every_module``."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                found = Route(method, route.path, handler)
                if every_module or found.module_id == module_id:
                    yield found


def write_routes(app: Litestar, module_id: str | None = None, *, every_module: bool = True) -> Iterator[Route]:
    """The routes that change something (every method but GET, HEAD, OPTIONS)."""
    return (r for r in routes(app, module_id, every_module=every_module) if r.method not in READ_METHODS)


def plain_reads(app: Litestar, module_id: str) -> list[Route]:
    """The module's GET routes that need no path parameter but the city."""
    return [r for r in routes(app, module_id) if r.method == "GET" and r.parameters == ["tenant"]]
