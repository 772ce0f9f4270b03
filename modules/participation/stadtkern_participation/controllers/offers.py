"""Residents browse published offers (editors may list drafts too)."""

from __future__ import annotations

import uuid

from litestar import Response, get
from litestar.params import FromPath, FromQuery

from core.api import DEFAULT_LIMIT, Invalid, RequestContext, parse_since, sync_token, utcnow
from schemas import DeltaPage
from stadtkern_participation.controllers.languages import LANGUAGE_HEADERS, localized
from stadtkern_participation.controllers.roles import is_staff
from stadtkern_participation.models import Format
from stadtkern_participation.schemas.offers import OfferOut, offer_out
from stadtkern_participation.services.offers import get_offer, offer_page
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


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
    """Filtered, newest first; with ``?since=`` only what changed, and on the first page what was deleted."""
    now = utcnow()
    token = sync_token(now)
    changed_since = parse_since(since)
    if drafts and not is_staff(ctx):
        raise Invalid("query.drafts", "only the city's editors see drafts")
    rows, deleted, next_cursor = await offer_page(
        ctx.session,
        now=now,
        topic=topic,
        district=district,
        offer_format=format,
        open_now=open_now,
        upcoming=upcoming,
        drafts=drafts,
        changed_since=changed_since,
        cursor=cursor,
        limit=limit,
    )
    items = [offer_out(r, ctx.locales) for r in rows]
    page = DeltaPage(items=items, deleted=deleted, sync_token=token, next_cursor=next_cursor)
    return localized(page, ctx.locales)


@get(
    "/offers/{offer_id:uuid}",
    summary="One participation offer in the caller's language (Accept-Language)",
    response_headers=LANGUAGE_HEADERS,
)
async def show_offer(offer_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[OfferOut]:
    """A draft only for the city's editors."""
    row = await get_offer(ctx.session, offer_id, staff=is_staff(ctx))
    return localized(offer_out(row, ctx.locales), ctx.locales)


route_handlers = [list_offers, show_offer]
