"""What resident routes share: the caller's device, the city's lists, the language header."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from litestar import Response
from litestar.datastructures import ResponseHeader

from core.api import DeviceUser, Invalid, ModuleContext
from stadtkern_ideas.settings import IdeasSettings

T = TypeVar("T")

LANGUAGE_HEADERS = [
    ResponseHeader(
        name="Content-Language",
        documentation_only=True,
        value="de",
        example="en",
        required=True,
        description="The language the city's texts were picked in (the residents' own texts stay as written)",
    )
]


def localized(body: T, locales: Sequence[str]) -> Response[T]:
    """A resident response whose city texts were picked for ``locales``."""
    return Response(body, headers={"Content-Language": locales[0], "Vary": "Accept-Language"})


def device_of(ctx: ModuleContext[Any]) -> uuid.UUID | None:
    """The calling device, if the request carries a device credential of this city."""
    user = ctx.user
    return user.device_id if isinstance(user, DeviceUser) else None


def the_device(ctx: ModuleContext[Any]) -> DeviceUser:
    """The device of a ``require_device`` route."""
    user = ctx.user
    assert isinstance(user, DeviceUser)
    return user


def check_choice(settings: IdeasSettings, *, topic: str | None, district: str | None, where: str) -> None:
    """A topic and district must be the city's own (an empty list in the settings accepts any)."""
    problems: list[tuple[str, str]] = []
    if topic is not None and settings.topics and topic not in settings.topics:
        problems.append((f"{where}.topic", f"not a topic of this city; use one of {', '.join(settings.topics)}"))
    if district is not None and settings.districts and district not in settings.districts:
        problems.append(
            (f"{where}.district", f"not a district of this city; use one of {', '.join(settings.districts)}")
        )
    if problems:
        raise Invalid.many(problems)
