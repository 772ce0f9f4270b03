"""The ``Location`` of every 201, filled from the route's declared template (core.api.created).

Litestar builds a handler's answer with the closest ``response_class``; the city router sets
:class:`CityResponse`, which is the one place that sees the request (its path parameters and
route) and the returned body together, so no handler has to assemble URLs by hand.

At start-up :func:`check_created_routes` refuses a 201 route without a template, with a name that
is neither a path parameter nor a field of the returned type, or with a location no GET route
answers: a client following ``Location`` must land on something it can read.
"""

from __future__ import annotations

import re
import typing
from typing import Any

import msgspec
from litestar import Litestar, Request, Response
from litestar.response.base import ASGIResponse

from core.api.created import LOCATION_OPT
from core.errors import StartupError

CITY_ROOT = "/v1/{tenant}"
_NAME = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::[^}]*)?\}")


def _shape(path: str) -> str:
    """``/v1/{tenant:str}/events/{event_id:uuid}`` → ``/v1/{}/events/{}``: paths compared by shape."""
    return _NAME.sub("{}", path)


def location(template: str, path_params: dict[str, Any], body: Any) -> str:
    """The absolute path ``template`` names for this request and body."""

    def value(match: re.Match[str]) -> str:
        name, *inner = match[1].split(".")
        value = path_params[name] if name in path_params else getattr(body, name)
        for attribute in inner:  # {invitation.id}: a field of a field
            value = getattr(value, attribute)
        return str(value)

    return _NAME.sub(value, CITY_ROOT + template)


class CityResponse(Response[Any]):
    """A response of a city's route: a 201 carries the ``Location`` its route declares."""

    def to_asgi_response(self, app: Litestar | None, request: Request[Any, Any, Any], **kwargs: Any) -> ASGIResponse:
        template = request.route_handler.opt.get(LOCATION_OPT)
        if self.status_code == 201 and template and "location" not in {k.lower() for k in self.headers}:
            self.headers["Location"] = location(template, request.path_params, self.content)
        return super().to_asgi_response(app, request, **kwargs)


def _has_field(annotation: Any, dotted: str) -> bool:
    """Whether ``dotted`` (``invitation.id``) names a field, field of a field, … of the Struct type."""
    for name in dotted.split("."):
        if not (isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)):
            return False
        hints = typing.get_type_hints(annotation)
        if name not in annotation.__struct_fields__:
            return False
        annotation = hints[name]
    return True


def check_created_routes(app: Litestar) -> None:
    """Every 201 names a readable ``Location`` (module docs: core.api.created), enforced at start-up."""
    readable = {_shape(route.path) for route in app.routes if "GET" in getattr(route, "methods", ())}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if getattr(handler, "status_code", None) != 201:
                continue
            where = f"route {sorted(handler.http_methods)} {route.path}"
            template = handler.opt.get(LOCATION_OPT)
            if not template:
                raise StartupError(f"{where} answers 201 without a location; declare opt=created_resource(...)")
            returned = handler.parsed_fn_signature.return_type.annotation
            names = set(_NAME.findall(template))
            unknown = sorted(n for n in names if n not in route.path_parameters and not _has_field(returned, n))
            if unknown:
                raise StartupError(f"{where}: location {template!r} names {unknown}, neither path parameter nor field")
            if _shape(CITY_ROOT + template) not in readable:
                raise StartupError(f"{where}: no GET route answers its location {CITY_ROOT + template}")
