"""The headers, credentials and empty bodies of the OpenAPI document, as the server sends them.

Litestar's document said every operation needs the one ``BearerToken`` (the JWT plugin adds it
app-wide), so device registration, the app config and the event list looked authenticated; it
showed a 204 with a JSON body of ``null``, and none of the headers our layers add. Here:

- each operation names the credential its guard takes: ``DeviceCredential`` (from
  ``POST /v1/{tenant}/devices``) or ``StaffSession`` (from ``POST /v1/{tenant}/staff/login``), and
  an unguarded one says ``security: []`` (``core.http.problem_docs`` records which guard);
- a 201 carries ``Location`` (core.http.created), a 401 ``WWW-Authenticate`` (core.http.problems),
  a 429 ``Retry-After`` and the ``RateLimit-*`` fields, a 503 ``Retry-After`` (core.http.outages);
- every answer under ``/v1`` carries the ``RateLimit-*`` fields of the API-wide budget
  (core.http.rate_limit);
- a 204 documents no body.
"""

from __future__ import annotations

from typing import Any

from core.api.guards import DEVICE_CREDENTIAL as DEVICE_SCHEME
from core.api.guards import STAFF_CREDENTIAL as STAFF_SCHEME

SCHEMES = {
    DEVICE_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The device credential POST /v1/{tenant}/devices answers with (one per app install)",
    },
    STAFF_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A staff session's token from POST /v1/{tenant}/staff/login (ends with the session)",
    },
}
RATE_LIMIT = ("RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
HEADERS: dict[str, dict[str, Any]] = {
    "Location": {
        "description": "Where the created resource is read (a path on this server)",
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {
        "description": 'The credential the route takes: Bearer realm="stadtkern" (RFC 6750)',
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}},
    "RateLimit-Policy": {
        "description": "The API-wide budget: requests per window (`60;w=60`), IETF RateLimit fields",
        "schema": {"type": "string"},
    },
    "RateLimit-Limit": {"description": "Requests the budget allows per window", "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "Requests left in this window", "schema": {"type": "integer"}},
    "RateLimit-Reset": {"description": "Seconds until the window starts afresh", "schema": {"type": "integer"}},
}
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _add_headers(response: dict[str, Any], names: tuple[str, ...]) -> None:
    if "$ref" in response:
        return
    headers = response.setdefault("headers", {})
    for name in names:
        headers.setdefault(name, _ref(name))


def _document_operation(path: str, operation: dict[str, Any]) -> None:
    security = [s for s in operation.get("security") or [] if set(s) <= set(SCHEMES)]
    operation["security"] = security
    limited = path.startswith("/v1/")
    for status, response in operation.get("responses", {}).items():
        if status == "204":
            response.pop("content", None)
        names: tuple[str, ...] = {
            "201": ("Location",),
            "401": ("WWW-Authenticate",),
            "429": ("Retry-After",),
            "503": ("Retry-After",),
        }.get(status, ())
        # Every answer under /v1 has passed the budget (a 304 keeps only its validators).
        if limited and status != "304":
            names = (*names, *RATE_LIMIT)
        if names:
            _add_headers(response, names)


def document_headers(schema: dict[str, Any]) -> dict[str, Any]:
    """Credentials per operation, the headers each answer carries, no body on a 204 (in place)."""
    schema.pop("security", None)
    components = schema.setdefault("components", {})
    components["securitySchemes"] = dict(SCHEMES)
    components.setdefault("headers", {}).update(HEADERS)
    for path, item in schema.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                _document_operation(path, item[method])
    return schema
