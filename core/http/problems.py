"""Every error as RFC 9457 ``application/problem+json``, validation errors with field paths."""

from __future__ import annotations

import logging
import re
from typing import Any

from advanced_alchemy.exceptions import (
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    NotFoundError,
    RepositoryError,
)
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from core.http.field_paths import name_dict_keys
from core.http.outages import RETRY_AFTER_SECONDS, is_transient
from core.observability import current_request_id
from schemas import Problem, ProblemField

log = logging.getLogger("stadtkern.http")
PROBLEM_MEDIA_TYPE = "application/problem+json"
# msgspec names the object, not the field that is missing or unknown: point at the field itself.
_NAMED_FIELD = re.compile(r"^Object (?:missing required|contains unknown) field `([^`]+)`")

BEARER = 'Bearer realm="stadtkern"'
BEARER_INVALID = 'Bearer realm="stadtkern", error="invalid_token"'
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem(
    status: int,
    detail: str | None = None,
    errors: list[ProblemField] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> Response[Problem]:
    body = Problem(
        status=status,
        title=TITLES.get(status, "Error"),
        detail=detail,
        errors=errors or None,
        instance=instance,
        request_id=current_request_id(),
    )
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_errors(extra: Any, body: bytes | None = None) -> list[ProblemField]:
    errors: list[ProblemField] = []
    if isinstance(extra, list):
        for item in extra:
            if not isinstance(item, dict):
                continue
            source = item.get("source")
            source = getattr(source, "value", source)  # ParamType.QUERY -> "query"
            message = str(item.get("message", "invalid"))
            key = str(item.get("key") or "").removeprefix("$.").removeprefix("$")
            # msgspec writes a dict value's position as "[...]": the body names the key (answers.q6);
            # where it cannot, the field is the object, e.g. the LocalizedText ``body.title``.
            key = name_dict_keys(key, message, body if source == "body" else None).replace("[...]", "")
            if source == "body" and key == "data":  # Litestar names the body parameter, not a field
                key = ""
            if named := _NAMED_FIELD.match(message):
                key = f"{key}.{named[1]}" if key else named[1]
            field = f"{source}.{key}" if source and key else (key or str(source or "body"))
            errors.append(ProblemField(field=field, message=message))
    return errors


def _body_read(request: Request[Any, Any, Any]) -> bytes | None:
    """The body the handler's parameters were decoded from, if it was read (never read here)."""
    body = request._connection_state.body  # Litestar keeps it per connection, as Request.body() does
    return body if isinstance(body, bytes) else None


def _on_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    errors = _field_errors(exc.extra, _body_read(request))
    detail = exc.detail if exc.detail and exc.detail != TITLES.get(status) else None
    if isinstance(exc, ValidationException):
        # Litestar reports a body that fails validation as 400; a body that parses but is wrong is 422.
        malformed = any("malformed" in (e.message or "").lower() for e in errors) or not errors
        status = 400 if malformed else 422
        detail = detail or "Validation failed"
    headers = dict(exc.headers or {})
    if status == 401 and not any(k.lower() == "www-authenticate" for k in headers):
        # RFC 9110 section 15.5.2: a 401 says which scheme would do; RFC 6750 names a refused token.
        given = bool(request.headers.get("authorization"))
        headers["WWW-Authenticate"] = BEARER_INVALID if given else BEARER
    return problem(status, detail, errors, headers=headers, instance=request.url.path)


def _on_not_found(request: Request[Any, Any, Any], exc: NotFoundError) -> Response[Problem]:
    return problem(404, "no such item", instance=request.url.path)


def _on_conflict(request: Request[Any, Any, Any], exc: RepositoryError) -> Response[Problem]:
    return problem(409, "conflicts with existing data", instance=request.url.path)


def _on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    if is_transient(exc):
        # An outage, not a bug: one line for the operator, no traceback, and a retry hint for the app.
        log.warning(
            "database unavailable",
            extra={"path": request.scope.get("path_template", ""), "error": type(exc).__name__},
        )
        return problem(
            503,
            "the service is briefly unavailable; try again shortly",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            instance=request.url.path,
        )
    log.exception("unhandled error", extra={"path": request.scope.get("path_template", "")})
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "an unexpected error occurred", instance=request.url.path)


exception_handlers: ExceptionHandlersMap = {
    HTTPException: _on_http_error,
    NotFoundError: _on_not_found,
    DuplicateKeyError: _on_conflict,
    IntegrityError: _on_conflict,
    ForeignKeyError: _on_conflict,
    Exception: _on_unexpected,
}
