"""Ideas on the wire: what a device submits, what residents and the submitter see."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

import msgspec

from core.api import pick
from schemas import GeoPoint, Key, LocalizedText
from stadtkern_ideas.models import Idea, Moderation, Photo, StatusChange
from stadtkern_ideas.schemas.photos import PhotoOut, photo_out

Title = Annotated[str, msgspec.Meta(min_length=3, max_length=120)]
Description = Annotated[str, msgspec.Meta(min_length=10, max_length=4000)]
# A language tag spelled as the city's locales are (de, tr, pt-BR, sr-Latn): the resident's own language.
Language = Annotated[str, msgspec.Meta(max_length=16, pattern=r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")]
Status = Literal["received", "under_review", "in_project", "implemented", "not_pursued"]
Sort = Literal["newest", "supported"]


class IdeaPlace(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where the idea is about: a name, optionally a point on the map."""

    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    location: GeoPoint | None = None


class IdeaIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A resident's new idea, in the language they write (``language``; default: the app's)."""

    title: Title
    description: Description
    topic: Key
    district: Key
    language: Language | None = None
    place: IdeaPlace | None = None


class StatusStep(msgspec.Struct):
    """One step of the idea's public history, the city's answer in the caller's language."""

    status: Status
    answer: str | None
    at: dt.datetime


class IdeaOut(msgspec.Struct):
    """A public idea: the resident's text as written, the city's answer in the caller's language."""

    id: uuid.UUID
    title: str
    description: str
    language: str
    topic: str
    district: str
    place: IdeaPlace | None
    status: Status
    answer: str | None
    supporters: int
    published_at: dt.datetime | None
    updated_at: dt.datetime
    photos: list[PhotoOut]


class IdeaDetail(msgspec.Struct):
    """One idea with its history; ``supported_by_me`` for the calling device (false for others)."""

    idea: IdeaOut
    history: list[StatusStep]
    supported_by_me: bool
    # A duplicate merged into another idea points there (apps open that one instead).
    merged_into: uuid.UUID | None


class MyIdea(msgspec.Struct):
    """One of the device's own ideas, public or not: moderation's decision and its reason too."""

    idea: IdeaOut
    moderation: Moderation
    decline_reason: str | None
    merged_into: uuid.UUID | None


class SupportOut(msgspec.Struct):
    """The idea's count after the device's support or withdrawal."""

    supporters: int
    supported_by_me: bool


def place_of(row: Idea) -> IdeaPlace | None:
    """The stored place as the wire shows it (None when the resident gave none)."""
    if row.place_name is None and row.lat is None:
        return None
    location = None if row.lat is None or row.lon is None else GeoPoint(lat=row.lat, lon=row.lon)
    return IdeaPlace(name=row.place_name, location=location)


def _answer(value: LocalizedText | None, locales: Sequence[str]) -> str | None:
    return pick(value, locales)


def idea_out(row: Idea, locales: Sequence[str], photos: Sequence[Photo] = ()) -> IdeaOut:
    """The public view of a row."""
    return IdeaOut(
        id=row.id,
        title=row.title,
        description=row.description,
        language=row.language,
        topic=row.topic,
        district=row.district,
        place=place_of(row),
        status=row.status,
        answer=_answer(row.answer, locales),
        supporters=row.supporters,
        published_at=row.published_at,
        updated_at=row.updated_at,
        photos=[photo_out(p) for p in photos],
    )


def step_out(row: StatusChange, locales: Sequence[str]) -> StatusStep:
    """A history row on the wire."""
    return StatusStep(status=row.status, answer=_answer(row.answer, locales), at=row.created_at)


def my_idea(row: Idea, locales: Sequence[str], photos: Sequence[Photo] = ()) -> MyIdea:
    """The submitter's view of their idea."""
    return MyIdea(
        idea=idea_out(row, locales, photos),
        moderation=row.moderation,
        decline_reason=row.decline_reason,
        merged_into=row.merged_into_id,
    )
