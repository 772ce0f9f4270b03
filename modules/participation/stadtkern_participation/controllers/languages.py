"""Resident responses whose texts follow ``Accept-Language``: the header that says which language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from litestar import Response
from litestar.datastructures import ResponseHeader

T = TypeVar("T")

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
