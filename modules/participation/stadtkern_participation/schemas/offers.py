"""Offers on the wire: what editors send, what residents and editors get back."""

# No ``from __future__ import annotations``: Place and OfferOut are pinned (see openapi_names).

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated

import msgspec

from core.api import pick
from schemas import GeoPoint, Key, LocalizedText
from stadtkern_participation.lists import split_list
from stadtkern_participation.models import Format, Offer, Status
from stadtkern_participation.schemas.openapi_names import published_in
from stadtkern_participation.schemas.texts import text_of

PUBLISHED_IN = "stadtkern_participation.offers"


@published_in(PUBLISHED_IN)
class Place(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where an offer takes place: a name, optionally a point on the map."""

    name: Annotated[str, msgspec.Meta(max_length=200)]
    location: GeoPoint | None = None


class OfferIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new or replaced offer, as an editor sends it (texts in the city's languages)."""

    title: LocalizedText
    summary: LocalizedText | None = None
    description: LocalizedText | None = None
    format: Format
    topics: Annotated[list[Key], msgspec.Meta(max_length=20)] = []
    districts: Annotated[list[Key], msgspec.Meta(max_length=50)] = []
    starts_at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    ends_at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    place: Place | None = None
    capacity: Annotated[int, msgspec.Meta(ge=1)] | None = None
    registration_url: Annotated[str, msgspec.Meta(max_length=500, pattern=r"^https?://")] | None = None
    contact: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    accessibility: LocalizedText | None = None
    # The Instrumentenkoffer card of the offer's format (one of the city's, else 422 body.method_id).
    method_id: uuid.UUID | None = None


class MethodRef(msgspec.Struct):
    """The method card an offer uses: open it with ``GET /methods/{id}``."""

    id: uuid.UUID
    name: str


@published_in(PUBLISHED_IN)
class OfferOut(msgspec.Struct):
    """An offer as residents see it: texts in the language the caller asked for (German fallback)."""

    id: uuid.UUID
    status: Status
    title: str
    format: Format
    topics: list[str]
    districts: list[str]
    updated_at: dt.datetime
    summary: str | None = None
    description: str | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: Place | None = None
    capacity: int | None = None
    registration_url: str | None = None
    contact: str | None = None
    accessibility: str | None = None
    published_at: dt.datetime | None = None
    method: MethodRef | None = None


class OfferStaffOut(msgspec.Struct):
    """An offer as editors edit it: every text in both languages, as ``OfferIn`` takes them."""

    id: uuid.UUID
    status: Status
    title: LocalizedText
    format: Format
    topics: list[str]
    districts: list[str]
    updated_at: dt.datetime
    summary: LocalizedText | None = None
    description: LocalizedText | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: Place | None = None
    capacity: int | None = None
    registration_url: str | None = None
    contact: str | None = None
    accessibility: LocalizedText | None = None
    published_at: dt.datetime | None = None
    method_id: uuid.UUID | None = None


class StatusIn(msgspec.Struct, forbid_unknown_fields=True):
    """The status an editor moves an offer or a survey to."""

    status: Status


def place_of(row: Offer) -> Place | None:
    """The offer's place, if it has one."""
    if row.place_name is None:
        return None
    loc = GeoPoint(lat=row.lat, lon=row.lon) if row.lat is not None and row.lon is not None else None
    return Place(name=row.place_name, location=loc)


def offer_out(row: Offer, locales: Sequence[str]) -> OfferOut:
    """The residents' wire form of a row, its texts picked for ``locales``."""
    return OfferOut(
        id=row.id,
        status=row.status,
        title=pick(row.title, locales),
        format=row.format,
        topics=split_list(row.topics),
        districts=split_list(row.districts),
        updated_at=row.updated_at,
        summary=pick(row.summary, locales),
        description=pick(row.description, locales),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        place=place_of(row),
        capacity=row.capacity,
        registration_url=row.registration_url,
        contact=row.contact,
        accessibility=pick(row.accessibility, locales),
        published_at=row.published_at,
        method=MethodRef(id=row.method.id, name=pick(row.method.name, locales)) if row.method else None,
    )


def offer_staff_out(row: Offer) -> OfferStaffOut:
    """The editors' wire form of a row, every language of every text."""
    return OfferStaffOut(
        id=row.id,
        status=row.status,
        title=msgspec.convert(row.title, LocalizedText),
        format=row.format,
        topics=split_list(row.topics),
        districts=split_list(row.districts),
        updated_at=row.updated_at,
        summary=text_of(row.summary),
        description=text_of(row.description),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        place=place_of(row),
        capacity=row.capacity,
        registration_url=row.registration_url,
        contact=row.contact,
        accessibility=text_of(row.accessibility),
        published_at=row.published_at,
        method_id=row.method_id,
    )
