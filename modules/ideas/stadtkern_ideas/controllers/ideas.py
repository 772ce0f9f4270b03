"""Residents put ideas into the pool, browse the public ones and follow their own."""

from __future__ import annotations

import re
import uuid

from litestar import Response, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from core.api import (
    DEFAULT_LIMIT,
    Budget,
    NotFound,
    RequestContext,
    created_resource,
    deleted_since,
    parse_since,
    require_device,
    sync_token,
    utcnow,
)
from schemas import DeltaPage, Page
from stadtkern_ideas.controllers.common import LANGUAGE_HEADERS, check_choice, device_of, localized, the_device
from stadtkern_ideas.models import RESOURCE_IDEA
from stadtkern_ideas.schemas.ideas import IdeaDetail, IdeaIn, IdeaOut, MyIdea, Sort, Status, idea_out, my_idea, step_out
from stadtkern_ideas.services.ideas import (
    PoolFilter,
    add_idea,
    device_ideas_page,
    get_idea,
    get_visible_idea,
    history_of,
    new_idea,
    pool_page,
)
from stadtkern_ideas.services.photos import photos_of
from stadtkern_ideas.services.removal import delete_idea
from stadtkern_ideas.services.supports import supports
from stadtkern_ideas.settings import IdeasSettings
from stadtkern_ideas.storage import store_for

Ctx = RequestContext[IdeasSettings]
DAY = 86_400
_TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


@post(
    "/ideas",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Put an idea into the pool: it waits for moderation, then becomes public (or is declined with a reason)",
    # MyIdea carries the id inside ``idea``; the submitting device reads it there while it is pending, too
    opt=created_resource("/ideas/ideas/{idea.id}"),
)
async def submit_idea(data: JSONBody[IdeaIn], ctx: Ctx) -> MyIdea:
    """Title and description are kept as written, in ``language`` (default: the app's language)."""
    device = the_device(ctx)
    check_choice(ctx.settings, topic=data.topic, district=data.district, where="body")
    assert ctx.limits is not None  # always set inside a request
    await ctx.limits.spend(Budget("ideas-submit", ctx.settings.ideas_per_device_day, DAY), str(device.device_id))
    language = data.language or (device.locale if _TAG.match(device.locale or "") else ctx.tenant.locales[0])
    row = await add_idea(ctx.session, new_idea(data, device_id=device.device_id, language=language))
    return my_idea(row, ctx.locales)


@get(
    "/ideas",
    summary="Public ideas, filtered by topic, district and status, newest or most supported first; ?since= delta",
    description="With `since`, items are ideas changed since then and `deleted` lists ids that left the pool.",
    response_headers=LANGUAGE_HEADERS,
)
async def list_ideas(
    ctx: Ctx,
    topic: FromQuery[str | None] = None,
    district: FromQuery[str | None] = None,
    status: FromQuery[Status | None] = None,
    sort: FromQuery[Sort] = "newest",
    since: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Response[DeltaPage[IdeaOut]]:
    """Cursor paging; an unchanged page keeps its ETag within the minute (the token is floored)."""
    check_choice(ctx.settings, topic=topic, district=district, where="query")
    token = sync_token(utcnow().replace(second=0, microsecond=0))
    changed = parse_since(since)
    filters = PoolFilter(topic=topic, district=district, status=status, changed_since=changed)
    rows, next_cursor = await pool_page(ctx.session, filters, sort=sort, cursor=cursor, limit=limit)
    deleted = await deleted_since(ctx.session, RESOURCE_IDEA, changed) if changed and not cursor else []
    photos = await photos_of(ctx.session, [r.id for r in rows])
    page = DeltaPage(
        items=[idea_out(r, ctx.locales, photos[r.id]) for r in rows],
        deleted=deleted,
        sync_token=token,
        next_cursor=next_cursor,
    )
    return localized(page, ctx.locales)


@get(
    "/ideas/mine",
    guards=[require_device],
    summary="The calling device's own ideas: pending, public, merged, or declined with the reason",
    response_headers=LANGUAGE_HEADERS,
)
async def my_ideas(
    ctx: Ctx, cursor: FromQuery[str | None] = None, limit: FromQuery[int] = DEFAULT_LIMIT
) -> Response[Page[MyIdea]]:
    """Newest first."""
    device = the_device(ctx)
    rows, next_cursor = await device_ideas_page(ctx.session, device.device_id, cursor=cursor, limit=limit)
    photos = await photos_of(ctx.session, [r.id for r in rows])
    items = [my_idea(r, ctx.locales, photos[r.id]) for r in rows]
    return localized(Page(items=items, next_cursor=next_cursor), ctx.locales)


@get(
    "/ideas/{idea_id:uuid}",
    summary="One public idea with its history; with a device credential also whether it supports it",
    response_headers=LANGUAGE_HEADERS,
)
async def show_idea(idea_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[IdeaDetail]:
    """A pending or declined idea only for its own device; a merged one points to where it went."""
    device = device_of(ctx)
    row = await get_visible_idea(ctx.session, idea_id, device)
    mine = device is not None and await supports(ctx.session, ctx.keys, row.id, device)
    detail = IdeaDetail(
        idea=idea_out(row, ctx.locales, (await photos_of(ctx.session, [row.id]))[row.id]),
        history=[step_out(s, ctx.locales) for s in await history_of(ctx.session, row.id)],
        supported_by_me=mine,
        merged_into=row.merged_into_id,
    )
    return localized(detail, ctx.locales)


@delete(
    "/ideas/{idea_id:uuid}",
    guards=[require_device],
    summary="Delete one's own idea, in any state, with its photos, thread and supports",
)
async def delete_my_idea(idea_id: FromPath[uuid.UUID], ctx: Ctx) -> None:
    """Another device's idea is a 404 (it does not learn that it exists)."""
    row = await get_idea(ctx.session, idea_id)
    if row.device_id != the_device(ctx).device_id:
        raise NotFound(detail="idea not found")
    await delete_idea(ctx.session, store_for(ctx.settings), row)


route_handlers = [submit_idea, list_ideas, my_ideas, show_idea, delete_my_idea]
