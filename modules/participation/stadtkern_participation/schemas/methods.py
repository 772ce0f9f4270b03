"""Method cards (the Instrumentenkoffer) on the wire: what editors send, what residents and editors get."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import msgspec

from core.api import pick
from schemas import LocaleTag, LocalizedText
from stadtkern_participation.lists import split_list
from stadtkern_participation.models import MethodCard, Mode, Offer, Status
from stadtkern_participation.schemas.texts import text_of

# Ordered from short to long and from light to heavy: ``max_duration`` / ``max_effort`` filter on it.
Duration = Literal["hours", "one_day", "several_days", "weeks", "months"]
DURATIONS: tuple[str, ...] = ("hours", "one_day", "several_days", "weeks", "months")
Effort = Literal["low", "medium", "high"]
EFFORTS: tuple[str, ...] = ("low", "medium", "high")
Accessibility = Literal[
    "step_free", "easy_language", "sign_language", "hearing_loop", "multilingual", "remote", "childcare"
]
# A name or a title: the same shape as LocalizedText, with a short bound (the list's sort key).
ShortLocalizedText = Annotated[
    dict[LocaleTag, Annotated[str, msgspec.Meta(min_length=1, max_length=200)]],
    msgspec.Meta(min_length=1, max_length=32),
]
HttpUrl = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^https?://")]
GroupSize = Annotated[int, msgspec.Meta(ge=1, le=100_000)]


class MethodTemplate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A downloadable template (a checklist, an invitation letter ...): its title and where it is."""

    title: ShortLocalizedText
    url: HttpUrl


class MethodExampleIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A best-practice example: what was done, optionally the city's offer that did it, or a link."""

    text: LocalizedText
    offer_id: uuid.UUID | None = None
    url: HttpUrl | None = None


class MethodIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new or replaced method card, as an editor sends it (texts in the city's languages)."""

    name: ShortLocalizedText
    summary: LocalizedText
    when_to_use: LocalizedText | None = None
    mode: Mode
    group_min: GroupSize | None = None
    group_max: GroupSize | None = None
    duration: Duration
    duration_note: LocalizedText | None = None
    effort: Effort
    accessibility: Annotated[list[Accessibility], msgspec.Meta(max_length=7)] = []
    accessibility_note: LocalizedText | None = None
    needs: LocalizedText | None = None
    steps: Annotated[list[LocalizedText], msgspec.Meta(max_length=30)] = []
    templates: Annotated[list[MethodTemplate], msgspec.Meta(max_length=20)] = []
    examples: Annotated[list[MethodExampleIn], msgspec.Meta(max_length=20)] = []


class MethodOfferRef(msgspec.Struct):
    """One of the city's (published or past) offers, with the surveys whose results it has."""

    id: uuid.UUID
    title: str
    status: Status
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    survey_ids: list[uuid.UUID]


class MethodTemplateOut(msgspec.Struct):
    title: str
    url: str


class MethodExampleOut(msgspec.Struct):
    """A best-practice example; ``offer`` when it names one of the city's offers that residents see."""

    text: str
    offer: MethodOfferRef | None
    url: str | None


class MethodListItem(msgspec.Struct):
    """A card in the list: what a toolbox page shows before the card is opened."""

    id: uuid.UUID
    name: str
    summary: str
    mode: Mode
    group_min: int | None
    group_max: int | None
    duration: str
    effort: str
    accessibility: list[str]
    updated_at: dt.datetime


class MethodOut(msgspec.Struct):
    """A card as residents read it, texts in the caller's language; ``offers``: the public offers using it."""

    id: uuid.UUID
    name: str
    summary: str
    when_to_use: str | None
    mode: Mode
    group_min: int | None
    group_max: int | None
    duration: str
    duration_note: str | None
    effort: str
    accessibility: list[str]
    accessibility_note: str | None
    needs: str | None
    steps: list[str]
    templates: list[MethodTemplateOut]
    examples: list[MethodExampleOut]
    offers: list[MethodOfferRef]
    updated_at: dt.datetime


class MethodStaffOut(msgspec.Struct):
    """A card as editors edit it: every text in every language, as ``MethodIn`` takes them."""

    id: uuid.UUID
    name: LocalizedText
    summary: LocalizedText
    when_to_use: LocalizedText | None
    mode: Mode
    group_min: int | None
    group_max: int | None
    duration: str
    duration_note: LocalizedText | None
    effort: str
    accessibility: list[str]
    accessibility_note: LocalizedText | None
    needs: LocalizedText | None
    steps: list[LocalizedText]
    templates: list[MethodTemplate]
    examples: list[MethodExampleIn]
    updated_at: dt.datetime


def offer_ref(row: Offer, survey_ids: Mapping[uuid.UUID, list[uuid.UUID]], locales: Sequence[str]) -> MethodOfferRef:
    """An offer as a card names it, its title picked for ``locales``."""
    return MethodOfferRef(
        id=row.id,
        title=pick(row.title, locales),
        status=row.status,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        survey_ids=survey_ids.get(row.id, []),
    )


def method_list_item(row: MethodCard, locales: Sequence[str]) -> MethodListItem:
    """The list's wire form of a card."""
    return MethodListItem(
        id=row.id,
        name=pick(row.name, locales),
        summary=pick(row.summary, locales),
        mode=row.mode,
        group_min=row.group_min,
        group_max=row.group_max,
        duration=row.duration,
        effort=row.effort,
        accessibility=split_list(row.accessibility),
        updated_at=row.updated_at,
    )


def _example_out(
    example: Mapping[str, Any], offers: Mapping[str, MethodOfferRef], locales: Sequence[str]
) -> MethodExampleOut:
    offer_id = example.get("offer_id")
    return MethodExampleOut(
        text=pick(example["text"], locales),
        offer=offers.get(offer_id) if offer_id else None,
        url=example.get("url"),
    )


def method_out(
    row: MethodCard, offers: Sequence[MethodOfferRef], linked: Sequence[MethodOfferRef], locales: Sequence[str]
) -> MethodOut:
    """The residents' wire form: ``offers`` use the card, ``linked`` are the examples' offers (public ones)."""
    by_id = {str(ref.id): ref for ref in linked}
    return MethodOut(
        id=row.id,
        name=pick(row.name, locales),
        summary=pick(row.summary, locales),
        when_to_use=pick(row.when_to_use, locales),
        mode=row.mode,
        group_min=row.group_min,
        group_max=row.group_max,
        duration=row.duration,
        duration_note=pick(row.duration_note, locales),
        effort=row.effort,
        accessibility=split_list(row.accessibility),
        accessibility_note=pick(row.accessibility_note, locales),
        needs=pick(row.needs, locales),
        steps=[pick(step, locales) for step in row.steps],
        templates=[MethodTemplateOut(title=pick(t["title"], locales), url=t["url"]) for t in row.templates],
        examples=[_example_out(example, by_id, locales) for example in row.examples],
        offers=list(offers),
        updated_at=row.updated_at,
    )


def method_staff_out(row: MethodCard) -> MethodStaffOut:
    """The editors' wire form, every language of every text."""
    return MethodStaffOut(
        id=row.id,
        name=msgspec.convert(row.name, LocalizedText),
        summary=msgspec.convert(row.summary, LocalizedText),
        when_to_use=text_of(row.when_to_use),
        mode=row.mode,
        group_min=row.group_min,
        group_max=row.group_max,
        duration=row.duration,
        duration_note=text_of(row.duration_note),
        effort=row.effort,
        accessibility=split_list(row.accessibility),
        accessibility_note=text_of(row.accessibility_note),
        needs=text_of(row.needs),
        steps=[msgspec.convert(step, LocalizedText) for step in row.steps],
        templates=msgspec.convert(row.templates, list[MethodTemplate]),
        examples=msgspec.convert(row.examples, list[MethodExampleIn]),
        updated_at=row.updated_at,
    )
