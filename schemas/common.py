"""Structs every endpoint speaks: problems, pages, localised text, coordinates."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec

T = TypeVar("T")


class LocalizedText(msgspec.Struct, frozen=True, omit_defaults=True):
    """A resident-facing text, German first (it is the city's official language), English second."""

    de: str
    en: str | None = None

    def pick(self, locales: list[str] | tuple[str, ...]) -> str:
        """The text in the first wanted language that has one, else German."""
        for locale in locales:
            value = getattr(self, locale, None) if locale in ("de", "en") else None
            if value:
                return str(value)
        return self.de


class GeoPoint(msgspec.Struct, frozen=True):
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]


class ProblemField(msgspec.Struct, frozen=True, omit_defaults=True):
    """One invalid input: where it is (dotted path, e.g. ``body.platform``) and what is wrong."""

    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True, rename={"type_": "type"}):
    """RFC 9457 problem details."""

    status: int
    title: str
    type_: str = "about:blank"
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemField] | None = None
    request_id: str | None = None


class Page(msgspec.Struct, Generic[T], omit_defaults=True):
    """One page of a cursor-paginated list; pass ``next_cursor`` as ``?cursor=`` for the next."""

    items: list[T]
    next_cursor: str | None = None


class DeltaPage(msgspec.Struct, Generic[T], omit_defaults=True):
    """Changes since a sync token: changed or new items, and ids deleted since (tombstones).

    Store ``sync_token`` and send it as ``?since=`` next time. When ``next_cursor`` is set the
    delta has more pages; follow it with the same ``since``.
    """

    items: list[T]
    deleted: list[str]
    sync_token: str
    next_cursor: str | None = None
