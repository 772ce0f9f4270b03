"""Errors a module raises; the core turns each into an RFC 9457 problem response."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_410_GONE, HTTP_422_UNPROCESSABLE_ENTITY

__all__ = [
    "Conflict",
    "Gone",
    "Invalid",
    "NotAuthorizedException",
    "NotFound",
    "PermissionDeniedException",
]


class NotFound(NotFoundException):
    """404; ``detail`` should say what was not found, in English (apps show their own texts)."""


class Conflict(HTTPException):
    """409: the request contradicts the current state (e.g. a duplicate, a draw already made)."""

    status_code = HTTP_409_CONFLICT


class Gone(HTTPException):
    """410: what was asked for no longer exists (e.g. a sync token older than the deletion history)."""

    status_code = HTTP_410_GONE


class Invalid(ClientException):
    """422 naming the offending field: ``Invalid("body.answers[2]", "option 'x' does not exist")``.

    Several fields: ``Invalid.many([(field, message), ...])``.
    """

    status_code = HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, field: str, message: str) -> None:
        super().__init__(detail="Validation failed", extra=[{"key": field, "message": message}])

    @classmethod
    def many(cls, problems: list[tuple[str, str]]) -> Invalid:
        error = cls(*problems[0])
        error.extra = [{"key": f, "message": m} for f, m in problems]
        return error

    def __reduce__(self) -> tuple[Any, ...]:  # keep picklable for multi-process servers
        return (Invalid, ("", self.detail))
