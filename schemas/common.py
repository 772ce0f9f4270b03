"""Shapes every endpoint speaks: problems, pages, localised text, coordinates."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec

T = TypeVar("T")


# A language tag as cities and editors write it: language (2-3 letters, lower case), optional
# script (title case) and region (upper case or 3 digits): de, tr, pt-BR, sr-Latn, es-419.
# One canonical spelling, so that "pt-BR" and "pt-br" can never be two texts of one field.
LOCALE_TAG = r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$"
LocaleTag = Annotated[str, msgspec.Meta(pattern=LOCALE_TAG, examples=["de", "tr", "pt-BR"])]

# Languages are data, not schema: a city adds Turkish or Arabic in its manifest, not here. A plain
# JSON object on the wire (and in JSON columns, so rows stored as {"de", "en"} still decode);
# ``LocalizedText(de="...", en="...")`` builds one (it is a dict). Pick a language with
# ``core.api.pick``; check editors' input against the city's languages with ``core.api.check_texts``.
LocalizedText = Annotated[
    dict[LocaleTag, Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]],
    msgspec.Meta(
        min_length=1,
        max_length=32,
        title="LocalizedText",
        description="Text per language: keys are language tags (de, tr, pt-BR; the city's are in "
        "app-config, its primary language first and required from editors), values non-empty.",
        examples=[{"de": "Wochenmarkt", "tr": "Pazar yeri"}],
    ),
]


# Input lengths live here, once; every request Struct uses them for strings that have no tighter
# rule of their own (tests/test_input_limits.py fails on a string without a limit). The NUL rule
# for every string is the core's input guard (core/http/input_guard.py).
# A key, an id or a name chosen from a city's list: a district, a topic, a category, a module id.
Key = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
# A short free text: a label, a value of a custom data field.
ShortText = Annotated[str, msgspec.Meta(max_length=500)]
# A date or a date-time written as text (checked by the route that parses it).
MomentText = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class GeoPoint(msgspec.Struct, frozen=True):
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]


class ProblemField(msgspec.Struct, frozen=True):
    """One invalid input: where it is (dotted path, e.g. ``body.platform``) and what is wrong."""

    field: str
    message: str


class Problem(msgspec.Struct, rename={"type_": "type"}):
    """RFC 9457 problem details."""

    status: int
    title: str
    type_: str = "about:blank"
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemField] | None = None
    request_id: str | None = None


class Page(msgspec.Struct, Generic[T]):
    """One page of a cursor-paginated list; pass ``next_cursor`` as ``?cursor=`` for the next."""

    items: list[T]
    next_cursor: str | None = None


class DeltaPage(msgspec.Struct, Generic[T]):
    """Changes since a sync token: changed or new items, and ids deleted since (tombstones).

    Store ``sync_token`` and send it as ``?since=`` next time. When ``next_cursor`` is set the
    delta has more pages; follow it with the same ``since``.
    """

    items: list[T]
    deleted: list[str]
    sync_token: str
    next_cursor: str | None = None
