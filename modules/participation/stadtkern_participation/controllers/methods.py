"""Residents browse the Instrumentenkoffer: method cards of participation formats, searchable in German."""

from __future__ import annotations

import uuid

from litestar import Response, get
from litestar.params import FromPath, FromQuery

from core.api import DEFAULT_LIMIT, Invalid, RequestContext, parse_since, sync_token, utcnow
from schemas import DeltaPage
from stadtkern_participation.controllers.languages import LANGUAGE_HEADERS, localized
from stadtkern_participation.models import Mode
from stadtkern_participation.schemas.methods import (
    Accessibility,
    Duration,
    Effort,
    MethodListItem,
    MethodOut,
    method_list_item,
    method_out,
)
from stadtkern_participation.services.methods import (
    MethodFilters,
    example_offers,
    get_method,
    method_page,
    offers_using,
)
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]
MAX_QUERY = 100
MAX_GROUP = 100_000


@get(
    "/methods",
    summary="The Instrumentenkoffer: method cards of participation formats in the caller's language, by name; "
    "filters, German full-text search (q), cursor pagination and ?since= delta sync",
    response_headers=LANGUAGE_HEADERS,
)
async def list_methods(
    ctx: Ctx,
    mode: FromQuery[Mode | None] = None,
    group_size: FromQuery[int | None] = None,
    duration: FromQuery[Duration | None] = None,
    max_duration: FromQuery[Duration | None] = None,
    effort: FromQuery[Effort | None] = None,
    max_effort: FromQuery[Effort | None] = None,
    accessibility: FromQuery[Accessibility | None] = None,
    q: FromQuery[str | None] = None,
    since: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Response[DeltaPage[MethodListItem]]:
    """``group_size``: cards whose range holds that many people; ``max_*``: at most that long or heavy."""
    token = sync_token(utcnow())
    changed_since = parse_since(since)
    if group_size is not None and not 1 <= group_size <= MAX_GROUP:
        raise Invalid("query.group_size", f"must be between 1 and {MAX_GROUP}")
    if q is not None and len(q) > MAX_QUERY:
        raise Invalid("query.q", f"at most {MAX_QUERY} characters")
    filters = MethodFilters(
        mode=mode,
        group_size=group_size,
        duration=duration,
        max_duration=max_duration,
        effort=effort,
        max_effort=max_effort,
        accessibility=accessibility,
        q=q,
    )
    rows, deleted, next_cursor = await method_page(
        ctx.session, filters, changed_since=changed_since, cursor=cursor, limit=limit
    )
    items = [method_list_item(r, ctx.locales) for r in rows]
    page = DeltaPage(items=items, deleted=deleted, sync_token=token, next_cursor=next_cursor)
    return localized(page, ctx.locales)


@get(
    "/methods/{method_id:uuid}",
    summary="One method card in the caller's language, with the public offers that use it",
    response_headers=LANGUAGE_HEADERS,
)
async def show_method(method_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[MethodOut]:
    """Best-practice examples name their offer only while residents can see it."""
    row = await get_method(ctx.session, method_id)
    offers = await offers_using(ctx.session, row, ctx.locales)
    linked = await example_offers(ctx.session, row, ctx.locales)
    return localized(method_out(row, offers, linked, ctx.locales), ctx.locales)


route_handlers = [list_methods, show_method]
