"""Residents: the list of occurrences with its filters, event detail, iCalendar export."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal, cast

import msgspec
from litestar import MediaType, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager

from core.api import (
    DEFAULT_LIMIT,
    Invalid,
    ModuleContext,
    NotFound,
    RequestContext,
    StaffUser,
    deleted_since,
    distance_to,
    paginate_and_peek,
    paginate_by_score,
    parse_since,
    sync_token,
    text_rank,
    utcnow,
)
from schemas import DeltaPage
from stadtkern_events.cache import Page, cache_for
from stadtkern_events.filters import Filters, filters_of, plan_for_the_words
from stadtkern_events.models import RESOURCE, TEXT_INDEX, Event, Occurrence
from stadtkern_events.schemas import EventOut, OccurrenceOut
from stadtkern_events.serializers import LIST_COLUMNS, event_ics, event_out, occurrences_ics, row_out
from stadtkern_events.settings import EventsSettings

Ctx = RequestContext[EventsSettings]
MAX_ICS_OCCURRENCES = 1000
ICS_MEDIA = "text/calendar; charset=utf-8"


From = Annotated[dt.datetime | None, QueryParameter(name="from", required=False)]
To = Annotated[dt.datetime | None, QueryParameter(name="to", required=False)]
When = FromQuery[Literal["today", "weekend"] | None]
Sort = Annotated[
    Literal["start", "distance", "relevance"],
    QueryParameter(
        description="start: soonest first (default); distance: nearest first (needs lat/lon); "
        "relevance: best match of q first (title above text)"
    ),
]


# The filters are spelled out here and in list_ical rather than shared through a dependency: a
# dependency of 12 query parameters cost ~60 µs per cached list request (a third of it).
@get(
    "/occurrences",
    summary="Upcoming dates of published events, filtered; cursor paging and ?since= delta sync",
    description=(
        "Default window: from now to the expansion horizon. `when=today|weekend` uses the city's time zone. "
        "With `since`, items are the occurrences of events changed since then (replace that event's dates) "
        "and `deleted` lists event ids that were deleted or unpublished."
    ),
)
async def list_occurrences(
    ctx: Ctx,
    start: From = None,
    end: To = None,
    when: When = None,
    category: FromQuery[str | None] = None,
    district: FromQuery[str | None] = None,
    lat: FromQuery[float | None] = None,
    lon: FromQuery[float | None] = None,
    radius_km: FromQuery[float] = 5.0,
    free: FromQuery[bool | None] = None,
    accessibility: FromQuery[str | None] = None,
    q: FromQuery[str | None] = None,
    prefix: FromQuery[bool] = False,
    sort: Sort = "start",
    hide_cancelled: FromQuery[bool] = False,
    since: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Response[DeltaPage[OccurrenceOut]]:
    # The page depends on the city, these parameters and the locales only (not on who asks), on
    # the city's list version and on time: see stadtkern_events.cache.
    cache = cache_for(ctx.engine)
    key = (
        ctx.tenant.slug,
        ctx.locales,
        start,
        end,
        when,
        category,
        district,
        lat,
        lon,
        radius_km if lat is not None else None,
        free,
        accessibility,
        q,
        prefix,
        sort,
        hide_cancelled,
        since,
        cursor,
        limit,
    )
    version = await cache.versions.read(ctx.tenant.slug)  # before the page query, never after
    now = utcnow()
    filters = filters_of(
        start, end, when, category, district, lat, lon, radius_km, free, accessibility, q, hide_cancelled, prefix
    )
    page = await cache.page(
        ctx.tenant.slug,
        key,
        version,
        now,
        lambda: _build_page(ctx, filters, now, version, sort=sort, since=since, cursor=cursor, limit=limit),
    )
    return cast(
        "Response[DeltaPage[OccurrenceOut]]",
        Response(page.body, media_type=MediaType.JSON, headers={"etag": page.etag}),
    )


async def _build_page(
    ctx: ModuleContext[EventsSettings],
    filters: Filters,
    now: dt.datetime,
    version: int,
    *,
    sort: str = "start",
    since: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Runs the query, encodes the page and works out until when time alone leaves it unchanged."""
    # Floored to the minute (earlier is safe: a delta repeats, never misses) so that an unchanged
    # list keeps its ETag and answers 304 rather than never.
    token = sync_token(now.replace(second=0, microsecond=0))
    changed_since = parse_since(since)
    # A delta (?since) filters on the events after the cells' LIMITs would cut: it takes the index.
    cells = filters.cells() if sort == "start" and changed_since is None else None
    params: dict[str, Any] | None = None
    plain = (
        filters.plain_page(ctx, now, cursor=cursor, limit=limit) if sort == "start" and changed_since is None else None
    )
    if plain is not None:
        columns, order, params = plain
        if filters.q and filters.q.strip():
            await plan_for_the_words(ctx.session)
    elif cells is None:
        columns, order = filters.statement(ctx, now).with_only_columns(*LIST_COLUMNS), None
    else:
        columns, order, params = filters.near_page(ctx, now, cells, cursor=cursor, limit=limit)
    deleted: list[str] = []
    if changed_since is not None:
        columns = columns.where(Event.updated_at > changed_since)
        if not cursor:
            deleted = await deleted_since(ctx.session, RESOURCE, changed_since)
    rows, next_cursor, following = await _fetch(ctx, filters, columns, sort, order, cursor, limit, params)
    body = msgspec.json.encode(
        DeltaPage(
            items=[row_out(r, ctx.locales) for r in rows],
            deleted=deleted,
            sync_token=token,
            next_cursor=next_cursor,
        )
    )
    # With the window starting now, an occurrence leaves the list when it ends; the first one after
    # the page decides next_cursor. (An explicit ``from`` does not move: nothing leaves by time.)
    ends = [r[1] for r in (*rows, *([following] if following is not None else []))]  # LIST_COLUMNS[1]: ends_at
    if filters.start is not None:
        ends = []
    expires = min(ends, default=None)
    window_end = filters.window(ctx, now)[1]
    if filters.when is not None:  # "today" and "weekend" roll over at their end
        expires = min(expires or window_end, window_end)
    elif filters.end is None and next_cursor is None:
        # The window's end moves with time: the next occurrence beyond it enters this page then.
        unbounded = filters.statement(ctx, now, bounded=False).where(Occurrence.starts_at >= window_end)
        if changed_since is not None:
            unbounded = unbounded.where(Event.updated_at > changed_since)
        first = await ctx.session.scalar(unbounded.with_only_columns(func.min(Occurrence.starts_at)).order_by(None))
        if first is not None:
            enters = first - (window_end - now)
            expires = min(expires or enters, enters)
    return Page(body, version, expires)


LIST_ORDER = (Occurrence.starts_at, Occurrence.event_id)


async def _fetch(
    ctx: ModuleContext[EventsSettings],
    filters: Filters,
    stmt: Select[Any],
    sort: str,
    order: tuple[Any, Any] | None,
    cursor: str | None,
    limit: int,
    params: dict[str, Any] | None = None,
) -> tuple[list[Any], str | None, Any | None]:
    """A page of ``stmt`` (rows of LIST_COLUMNS) in the asked order, the next cursor and the row after
    the page, from one query; ties always soonest first. ``order``: the columns of a near_page;
    ``params``: its values, the cursor among them (so it is not applied a second time)."""
    if params is not None and order is not None:
        return await paginate_and_peek(ctx.session, stmt, order, cursor=None, limit=limit, params=params)
    if order is not None:
        return await paginate_and_peek(ctx.session, stmt, order, cursor=cursor, limit=limit)
    if sort == "start":
        return await paginate_and_peek(ctx.session, stmt, LIST_ORDER, cursor=cursor, limit=limit)
    if sort == "distance":
        if filters.lat is None or filters.lon is None:
            raise Invalid("query.sort", "sort=distance needs lat and lon")
        score = distance_to(ctx.session, Event, filters.lat, filters.lon)
        highest_first = False
    else:
        if not (filters.q and filters.q.strip()):
            raise Invalid("query.sort", "sort=relevance needs q")
        score = text_rank(ctx.session, TEXT_INDEX, filters.q, prefix=filters.prefix)
        highest_first = True
    pairs, next_cursor, following = await paginate_by_score(
        ctx.session, stmt, score, LIST_ORDER, cursor=cursor, limit=limit, highest_first=highest_first
    )
    return [row[: len(LIST_COLUMNS)] for row, _ in pairs], next_cursor, following  # without the score


@get(
    "/occurrences/ical",
    summary="The filtered list as an iCalendar file (text/calendar), for calendar apps",
    media_type=ICS_MEDIA,
)
async def list_ical(
    ctx: Ctx,
    start: From = None,
    end: To = None,
    when: When = None,
    category: FromQuery[str | None] = None,
    district: FromQuery[str | None] = None,
    lat: FromQuery[float | None] = None,
    lon: FromQuery[float | None] = None,
    radius_km: FromQuery[float] = 5.0,
    free: FromQuery[bool | None] = None,
    accessibility: FromQuery[str | None] = None,
    q: FromQuery[str | None] = None,
    prefix: FromQuery[bool] = False,
    hide_cancelled: FromQuery[bool] = False,
    limit: FromQuery[int] = MAX_ICS_OCCURRENCES,
) -> Response[bytes]:
    if not 1 <= limit <= MAX_ICS_OCCURRENCES:
        raise Invalid("query.limit", f"must be between 1 and {MAX_ICS_OCCURRENCES}")
    stmt = filters_of(
        start, end, when, category, district, lat, lon, radius_km, free, accessibility, q, hide_cancelled, prefix
    ).statement(ctx, utcnow())
    rows = (await ctx.session.scalars(stmt.order_by(Occurrence.starts_at, Occurrence.event_id).limit(limit))).all()
    body = occurrences_ics(rows, ctx.tenant.slug, ctx.locales, f"{ctx.tenant.name}: Veranstaltungen")
    return Response(
        body,
        media_type=ICS_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="{ctx.tenant.slug}-events.ics"'},
    )


def _is_editor(ctx: ModuleContext[EventsSettings]) -> bool:
    user = ctx.user
    return isinstance(user, StaffUser) and user.has_role(ctx.tenant.slug, ctx.module_id, "editor")


async def load_visible(ctx: ModuleContext[EventsSettings], event_id: uuid.UUID) -> Event:
    event = await ctx.repository(Event).get_one_or_none(id=event_id)
    if event is None or (not event.published and not _is_editor(ctx)):
        raise NotFound(detail="event not found")
    return event


async def upcoming(ctx: ModuleContext[EventsSettings], event: Event, count: int = 20) -> list[Occurrence]:
    stmt = (
        select(Occurrence)
        .join(Occurrence.event)
        .options(contains_eager(Occurrence.event))
        .where(Occurrence.event_id == event.id, Occurrence.ends_at > utcnow())
        .order_by(Occurrence.starts_at)
        .limit(count)
    )
    return list((await ctx.session.scalars(stmt)).all())


@get("/events/{event_id:uuid}", summary="One event with its next dates (editors also see unpublished ones)")
async def read_event(event_id: FromPath[uuid.UUID], ctx: Ctx) -> EventOut:
    event = await load_visible(ctx, event_id)
    return event_out(event, ctx.locales, await upcoming(ctx, event))


@get("/events/{event_id:uuid}/ical", summary="One event as an iCalendar file", media_type=ICS_MEDIA)
async def read_event_ical(event_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[bytes]:
    event = await load_visible(ctx, event_id)
    body = event_ics(event, ctx.tenant.slug, ctx.locales, ctx.tenant.name)
    return Response(
        body, media_type=ICS_MEDIA, headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'}
    )


resident_handlers = [list_occurrences, list_ical, read_event, read_event_ical]
