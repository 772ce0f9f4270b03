"""Helpers shared by the controllers: list columns, staff checks, the participation marker."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import msgspec
from litestar import Response
from litestar.datastructures import ResponseHeader

from core.api import ROLE_EDITOR, Invalid, ModuleContext, ModuleKeys, StaffUser
from schemas import LocalizedText

MODULE_ID = "participation"
log = logging.getLogger("stadtkern.participation")
# The purpose the marker key is derived for (``ctx.keys.derive(MARKER_PURPOSE)``); never reuse it.
MARKER_PURPOSE = "marker"
T = TypeVar("T")


def join_list(values: Iterable[str]) -> str:
    """``["a", "b"]`` -> ``",a,b,"``: one string a portable LIKE can filter on."""
    return "," + "".join(f"{v}," for v in values)


def split_list(stored: str) -> list[str]:
    return [v for v in stored.split(",") if v]


def check_names(values: list[str], allowed: list[str], field: str) -> list[str]:
    for index, value in enumerate(values):
        if "," in value or not value.strip():
            raise Invalid(f"{field}[{index}]", "must be non-empty and contain no ','")
        if allowed and value not in allowed:
            raise Invalid(f"{field}[{index}]", f"unknown value; one of {', '.join(allowed)}")
    return values


def text_of(value: Mapping[str, Any] | None) -> LocalizedText | None:
    """A stored ``{"de": ..., "tr": ...}`` as ``LocalizedText`` (every language: the staff view)."""
    return None if value is None else msgspec.convert(value, LocalizedText)


# For the OpenAPI document of resident routes whose texts follow Accept-Language.
LANGUAGE_HEADERS = [
    ResponseHeader(
        name="Content-Language",
        documentation_only=True,
        value="de",  # gives the documented schema its type (string); the handler sets the real value
        example="en",
        required=True,
        description="The language the texts were picked in: the first of the city's locales in the "
        "caller's Accept-Language, else de (a text missing in that language falls back to German)",
    )
]


def localized(body: T, locales: Sequence[str]) -> Response[T]:
    """A resident response whose texts were picked for ``locales``: says which language it is in."""
    return Response(body, headers={"Content-Language": locales[0], "Vary": "Accept-Language"})


def is_staff(ctx: ModuleContext[Any]) -> bool:
    user = ctx.user
    return isinstance(user, StaffUser) and user.has_role(ctx.tenant.slug, MODULE_ID, ROLE_EDITOR)


def marker_for(keys: ModuleKeys, survey_id: uuid.UUID, device_id: uuid.UUID) -> str:
    """``HMAC-SHA256(K, survey id ‖ device id)`` with ``K = keys.derive("marker")``.

    ``K`` is derived by the core from the deployment secret ``STADTKERN_SECRET_KEY`` for this module
    and this purpose only, so every API and worker process of the deployment computes the same
    marker (one response per device holds across processes and restarts), while nobody without the
    secret (a database dump included) can compute or invert it.
    """
    return hmac.new(keys.derive(MARKER_PURPOSE), survey_id.bytes + device_id.bytes, hashlib.sha256).hexdigest()


def new_token() -> tuple[str, str]:
    """A random token for an e-mail link and the SHA-256 we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
