"""Participation offers: residents browse published ones; editors create, edit and move them along
draft -> published -> closed -> results_published. Publishing notifies subscribers by push."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import msgspec
from litestar import Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import and_, or_, select

from core.api import (
    DEFAULT_LIMIT,
    Audience,
    Conflict,
    Invalid,
    ModuleContext,
    NotFound,
    Notification,
    RequestContext,
    check_texts,
    check_years,
    deleted_since,
    paginate,
    parse_since,
    pick,
    record_deletion,
    require_editor,
    sync_token,
    utcnow,
)
from schemas import DeltaPage, GeoPoint, LocalizedText
from stadtkern_participation.common import (
    LANGUAGE_HEADERS,
    check_names,
    is_staff,
    join_list,
    localized,
    split_list,
    text_of,
)
from stadtkern_participation.models import RESOURCE_OFFER, TRANSITIONS, Offer
from stadtkern_participation.settings import ParticipationSettings

Format = Literal["online_survey", "workshop", "citizens_dialogue", "site_walk", "hybrid", "information_event", "other"]
Status = Literal["draft", "published", "closed", "results_published"]
Ctx = RequestContext[ParticipationSettings]
TOPIC_OFFERS = "participation.offers"


class Place(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    name: Annotated[str, msgspec.Meta(max_length=200)]
    location: GeoPoint | None = None


class OfferIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: LocalizedText
    summary: LocalizedText | None = None
    description: LocalizedText | None = None
    format: Format
    topics: Annotated[list[str], msgspec.Meta(max_length=20)] = []
    districts: Annotated[list[str], msgspec.Meta(max_length=50)] = []
    starts_at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    ends_at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    place: Place | None = None
    capacity: Annotated[int, msgspec.Meta(ge=1)] | None = None
    registration_url: Annotated[str, msgspec.Meta(max_length=500, pattern=r"^https?://")] | None = None
    contact: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    accessibility: LocalizedText | None = None


class OfferOut(msgspec.Struct, omit_defaults=True):
    """An offer as residents see it: texts in the language the caller asked for (German fallback)."""

    id: uuid.UUID
    status: str
    title: str
    format: str
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


class OfferStaffOut(msgspec.Struct, omit_defaults=True):
    """An offer as editors edit it: every text in both languages, as ``OfferIn`` takes them."""

    id: uuid.UUID
    status: str
    title: LocalizedText
    format: str
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


class StatusIn(msgspec.Struct, forbid_unknown_fields=True):
    status: Status


def _raw(value: LocalizedText | None) -> dict[str, Any] | None:
    return None if value is None else msgspec.to_builtins(value)


def _place(row: Offer) -> Place | None:
    if row.place_name is None:
        return None
    loc = GeoPoint(lat=row.lat, lon=row.lon) if row.lat is not None and row.lon is not None else None
    return Place(name=row.place_name, location=loc)


def offer_out(row: Offer, locales: Sequence[str]) -> OfferOut:
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
        place=_place(row),
        capacity=row.capacity,
        registration_url=row.registration_url,
        contact=row.contact,
        accessibility=pick(row.accessibility, locales),
        published_at=row.published_at,
    )


def offer_staff_out(row: Offer) -> OfferStaffOut:
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
        place=_place(row),
        capacity=row.capacity,
        registration_url=row.registration_url,
        contact=row.contact,
        accessibility=text_of(row.accessibility),
        published_at=row.published_at,
    )


def _apply(row: Offer, data: OfferIn, ctx: ModuleContext[ParticipationSettings]) -> Offer:
    settings = ctx.settings
    check_years(starts_at=data.starts_at, ends_at=data.ends_at)
    check_texts(
        ctx.tenant,
        **{
            "body.title": data.title,
            "body.summary": data.summary,
            "body.description": data.description,
            "body.accessibility": data.accessibility,
        },
    )
    if data.starts_at and data.ends_at and data.ends_at < data.starts_at:
        raise Invalid("body.ends_at", "must not be before starts_at")
    row.title = msgspec.to_builtins(data.title)
    row.summary = _raw(data.summary)
    row.description = _raw(data.description)
    row.format = data.format
    row.topics = join_list(check_names(data.topics, settings.topics, "body.topics"))
    row.districts = join_list(check_names(data.districts, settings.districts, "body.districts"))
    row.starts_at = data.starts_at
    row.ends_at = data.ends_at
    row.place_name = data.place.name if data.place else None
    row.lat = data.place.location.lat if data.place and data.place.location else None
    row.lon = data.place.location.lon if data.place and data.place.location else None
    row.capacity = data.capacity
    row.registration_url = data.registration_url
    row.contact = data.contact
    row.accessibility = _raw(data.accessibility)
    return row


async def get_offer(ctx: ModuleContext[ParticipationSettings], offer_id: uuid.UUID, *, staff: bool) -> Offer:
    row = await ctx.repository(Offer).get_one_or_none(id=offer_id)
    if row is None or (row.status == "draft" and not staff):
        raise NotFound(detail="offer not found")
    return row


async def notify_new(
    ctx: ModuleContext[ParticipationSettings],
    *,
    title: dict[str, Any],
    deep_link: str,
    districts: list[str],
    topics: list[str],
    kind_de: str = "Neues Beteiligungsangebot",
    kind_en: str = "New participation offer",
) -> None:
    """'New participation offer' to the devices subscribed for these districts/topics, via the outbox."""
    body = msgspec.convert(title, LocalizedText)
    await ctx.push.notify(
        Notification(
            topic=TOPIC_OFFERS,
            title=LocalizedText(de=kind_de, en=kind_en),
            body=body,
            deep_link=deep_link,
            audience=Audience(districts=tuple(districts), categories=tuple(topics)),
        )
    )


@get(
    "/offers",
    summary="Participation offers in the caller's language (Accept-Language); filters, cursor pagination and "
    "?since= delta sync",
    response_headers=LANGUAGE_HEADERS,
)
async def list_offers(
    ctx: Ctx,
    topic: FromQuery[str | None] = None,
    district: FromQuery[str | None] = None,
    format: FromQuery[Format | None] = None,
    open_now: FromQuery[bool] = False,
    upcoming: FromQuery[bool] = False,
    drafts: FromQuery[bool] = False,
    since: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Response[DeltaPage[OfferOut]]:
    now = utcnow()
    token = sync_token(now)
    changed_since = parse_since(since)
    if drafts and not is_staff(ctx):
        raise Invalid("query.drafts", "only the city's editors see drafts")
    stmt = select(Offer)
    if not drafts:
        stmt = stmt.where(Offer.status != "draft")
    if topic is not None:
        stmt = stmt.where(Offer.topics.contains(f",{topic},", autoescape=True))
    if district is not None:
        stmt = stmt.where(Offer.districts.contains(f",{district},", autoescape=True))
    if format is not None:
        stmt = stmt.where(Offer.format == format)
    if open_now:
        stmt = stmt.where(
            Offer.status == "published",
            or_(Offer.starts_at.is_(None), Offer.starts_at <= now),
            or_(Offer.ends_at.is_(None), Offer.ends_at >= now),
        )
    if upcoming:
        stmt = stmt.where(and_(Offer.status == "published", Offer.starts_at > now))
    deleted: list[str] = []
    if changed_since is not None:
        stmt = stmt.where(Offer.updated_at > changed_since)
        if not cursor:
            deleted = await deleted_since(ctx.session, RESOURCE_OFFER, changed_since)
    rows, next_cursor = await paginate(ctx.session, stmt, [Offer.id], cursor=cursor, limit=limit, descending=True)
    items = [offer_out(r, ctx.locales) for r in rows]
    page = DeltaPage(items=items, deleted=deleted, sync_token=token, next_cursor=next_cursor)
    return localized(page, ctx.locales)


@get(
    "/offers/{offer_id:uuid}",
    summary="One participation offer in the caller's language (Accept-Language)",
    response_headers=LANGUAGE_HEADERS,
)
async def show_offer(offer_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[OfferOut]:
    return localized(offer_out(await get_offer(ctx, offer_id, staff=is_staff(ctx)), ctx.locales), ctx.locales)


@get(
    "/offers/{offer_id:uuid}/edit",
    guards=[require_editor],
    summary="One offer with its texts in both languages, drafts included, for editing (editors)",
)
async def edit_offer(offer_id: FromPath[uuid.UUID], ctx: Ctx) -> OfferStaffOut:
    return offer_staff_out(await get_offer(ctx, offer_id, staff=True))


@post("/offers", guards=[require_editor], status_code=HTTP_201_CREATED, summary="Create an offer as draft (editors)")
async def create_offer(data: JSONBody[OfferIn], ctx: Ctx) -> OfferStaffOut:
    row = await ctx.repository(Offer).add(_apply(Offer(status="draft"), data, ctx))
    await ctx.session.flush()
    return offer_staff_out(row)


@put("/offers/{offer_id:uuid}", guards=[require_editor], summary="Replace an offer's content (editors)")
async def update_offer(offer_id: FromPath[uuid.UUID], data: JSONBody[OfferIn], ctx: Ctx) -> OfferStaffOut:
    row = _apply(await get_offer(ctx, offer_id, staff=True), data, ctx)
    await ctx.session.flush()
    return offer_staff_out(row)


@post(
    "/offers/{offer_id:uuid}/status",
    guards=[require_editor],
    status_code=200,
    summary="Move an offer along its status flow",
)
async def change_offer_status(offer_id: FromPath[uuid.UUID], data: JSONBody[StatusIn], ctx: Ctx) -> OfferStaffOut:
    row = await get_offer(ctx, offer_id, staff=True)
    if data.status not in TRANSITIONS[row.status]:
        raise Conflict(detail=f"an offer in status {row.status!r} cannot become {data.status!r}")
    row.status = data.status
    if data.status == "published":
        row.published_at = utcnow()
        await notify_new(
            ctx,
            title=row.title,
            deep_link=f"stadtkern://participation/offers/{row.id}",
            districts=split_list(row.districts),
            topics=split_list(row.topics),
        )
    await ctx.session.flush()
    return offer_staff_out(row)


@delete(
    "/offers/{offer_id:uuid}",
    guards=[require_editor],
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete an offer (editors); apps learn it through ?since=",
)
async def delete_offer(offer_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[None]:
    row = await get_offer(ctx, offer_id, staff=True)
    await ctx.repository(Offer).delete(row.id)
    await record_deletion(ctx.session, RESOURCE_OFFER, row.id)
    await ctx.session.flush()
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [list_offers, show_offer, edit_offer, create_offer, update_offer, change_offer_status, delete_offer]
