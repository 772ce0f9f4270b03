"""The error responses in the OpenAPI document, as they are sent: RFC 9457 problems.

Litestar documents its own error shape (``status_code``/``detail``) for the 400s it knows of;
our exception handlers answer every error as ``application/problem+json`` (see
:mod:`core.http.problems`). Each route therefore gets the problems it can answer with:
validation (400, 422), rate limit (429), server error (500) and a database outage (503, with
``Retry-After``: core.http.outages) on every ``/v1`` route (health checks and metrics: 500
only); unknown city, module or resource (404) under ``/v1/{tenant}``;
a refused credential (401) wherever credentials are read, since a forged, expired or signed-out
token is a 401 on a public read too (core.auth.tokens), and a foreign one (403) where an auth
guard sits; there a credential is required, elsewhere it is optional (``security: [{}, ...]``,
and a caller with one sees more: an editor's unpublished items, the "mine" flags); a conflict (409) on every
write, since any unique constraint a write trips answers 409 (core.http.problems); a body over
the size limit (413) wherever a body is accepted. What a handler declares wins.
"""

from __future__ import annotations

import re
from typing import Any, cast

from litestar import Litestar
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import SecurityRequirement

from core.api.guards import DEVICE_CREDENTIAL, STAFF_CREDENTIAL, credential_of
from core.auth.tokens import UNAUTHENTICATED_PATHS
from core.http.problems import PROBLEM_MEDIA_TYPE, TITLES
from schemas import Problem

EVERYWHERE = (400, 422, 429, 500, 503)
UNDER_A_CITY = (404,)
GUARDED = (401, 403)
OPTIONAL: list[SecurityRequirement] = [{}, {DEVICE_CREDENTIAL: []}, {STAFF_CREDENTIAL: []}]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
WITH_BODY = {"POST", "PUT", "PATCH"}


def _spec(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=f"{TITLES[status]} (RFC 9457 problem; `errors` names the fields for 400/422)",
        media_type=PROBLEM_MEDIA_TYPE,
        generate_examples=False,
    )


def document_problems(app: Litestar) -> None:
    specs = {status: _spec(status) for status in (*EVERYWHERE, *UNDER_A_CITY, *GUARDED, 409, 413)}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not getattr(handler, "include_in_schema", True):
                continue
            statuses: list[int] = list(EVERYWHERE) if route.path.startswith("/v1/") else [500]
            if "{tenant" in route.path:
                statuses += UNDER_A_CITY
            credentials = sorted({c for g in handler.resolve_guards() if (c := credential_of(g))})
            # Where the bearer check runs (Litestar's ``exclude_from_auth``: e.g. OCPI's own token).
            read = not handler.opt.get("exclude_from_auth") and not any(
                re.match(p, route.path) for p in UNAUTHENTICATED_PATHS
            )
            if credentials:
                statuses += GUARDED
                # One requirement per credential a guard takes: any of them will do.
                handler.security = [cast(SecurityRequirement, {c: []}) for c in credentials]
            elif read:
                statuses.append(401)
                handler.security = list(OPTIONAL)
            else:
                handler.security = []
            methods = set(handler.http_methods)
            if route.path.startswith("/v1/") and methods & WRITES:
                statuses.append(409)
            if route.path.startswith("/v1/") and methods & WITH_BODY:
                statuses.append(413)
            declared: dict[int, Any] = dict(handler.responses or {})
            handler.responses = {**{s: specs[s] for s in statuses}, **declared}
