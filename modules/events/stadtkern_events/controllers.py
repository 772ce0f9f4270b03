"""Residents: the list of occurrences with its filters, event detail, iCalendar export."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal, cast

import msgspec
from litestar import MediaType, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import contains_eager

from core.api import (
    DEFAULT_LIMIT,
    Invalid,
    ModuleContext,
    NotFound,
    RequestContext,
    StaffUser,
    deleted_since,
    is_postgres,
    near,
    paginate,
    parse_since,
    sync_token,
    utcnow,
)
from schemas import DeltaPage
from stadtkern_events.cache import Page, cache_for
from stadtkern_events.models import ACCESSIBILITY, RESOURCE, Event, Occurrence
from stadtkern_events.schemas import EventOut, OccurrenceOut
from stadtkern_events.serializers import event_ics, event_out, occurrence_out, occurrences_ics
from stadtkern_events.settings import EventsSettings

Ctx = RequestContext[EventsSettings]
MAX_ICS_OCCURRENCES = 1000
ICS_MEDIA = "text/calendar; charset=utf-8"


def day_window(now: dt.datetime, when: str, tz: Any) -> tuple[dt.datetime, dt.datetime]:
    """``today`` and ``weekend`` in the city's time zone (the weekend runs Saturday 00:00 to Monday 00:00)."""
    local = now.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)

    def at(naive: dt.datetime) -> dt.datetime:
        return naive.replace(tzinfo=tz).astimezone(dt.UTC)

    if when == "today":
        return max(now, at(midnight)), at(midnight + dt.timedelta(days=1))
    weekday = local.weekday()  # Saturday 5, Sunday 6
    saturday = midnight + dt.timedelta(days=(5 - weekday) if weekday < 5 else -(weekday - 5))
    return max(now, at(saturday)), at(saturday + dt.timedelta(days=2))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Filters:
    def __init__(
        self,
        *,
        start: dt.datetime | None,
        end: dt.datetime | None,
        when: str | None,
        category: str | None,
        district: str | None,
        lat: float | None,
        lon: float | None,
        radius_km: float,
        free: bool | None,
        accessibility: str | None,
        q: str | None,
        hide_cancelled: bool,
    ) -> None:
        self.start, self.end, self.when = start, end, when
        self.category, self.district = category, district
        self.lat, self.lon, self.radius_km = lat, lon, radius_km
        self.free, self.accessibility, self.q = free, accessibility, q
        self.hide_cancelled = hide_cancelled

    def window(self, ctx: ModuleContext[EventsSettings], now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The time window ``[start, end)`` the list covers at ``now``."""
        start, end = self.start, self.end
        for name, value in (("from", start), ("to", end)):
            if value is not None and value.tzinfo is None:
                raise Invalid(f"query.{name}", "needs a time zone offset (e.g. 2026-12-01T00:00:00+01:00)")
        if self.when is not None:
            if start is not None or end is not None:
                raise Invalid("query.when", "use either 'when' or 'from'/'to'")
            start, end = day_window(now, self.when, ctx.tenant.time_zone)
        start = start or now
        end = end or now + dt.timedelta(days=ctx.settings.horizon_days)
        if end <= start:
            raise Invalid("query.to", "must be after 'from'")
        return start, end

    def statement(self, ctx: ModuleContext[EventsSettings], now: dt.datetime, *, bounded: bool = True) -> Select[Any]:
        """Occurrences (with their events) that pass the filters; ``bounded=False`` drops the window's end."""
        start, end = self.window(ctx, now)
        stmt = (
            select(Occurrence)
            .join(Occurrence.event)
            .options(contains_eager(Occurrence.event))
            .where(
                Occurrence.published.is_(True),
                Occurrence.ends_at > start,
            )
        )
        if bounded:
            stmt = stmt.where(Occurrence.starts_at < end)
        if self.hide_cancelled:
            stmt = stmt.where(Occurrence.status != "cancelled")
        if self.category:
            if self.category not in ctx.settings.categories:
                raise Invalid("query.category", f"unknown category; one of {', '.join(ctx.settings.categories)}")
            stmt = stmt.where(Event.categories.contains(f"|{self.category}|"))
        if self.district:
            stmt = stmt.where(Event.district == self.district)
        if self.accessibility:
            if self.accessibility not in ACCESSIBILITY:
                raise Invalid("query.accessibility", f"one of {', '.join(ACCESSIBILITY)}")
            stmt = stmt.where(Event.accessibility.contains(f"|{self.accessibility}|"))
        if self.free:
            stmt = stmt.where(Event.is_free.is_(True))
        if (self.lat is None) != (self.lon is None):
            raise Invalid("query.lat", "give both lat and lon")
        if self.lat is not None and self.lon is not None:
            if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
                raise Invalid("query.lat", "not a coordinate")
            if not 0 < self.radius_km <= 200:
                raise Invalid("query.radius_km", "must be between 0 and 200")
            # Through the places' spatial index (events_0004), great-circle distance on both databases.
            stmt = near(ctx.session, stmt, Event, self.lat, self.lon, self.radius_km * 1000)
        if self.q:
            text = self.q.strip()
            if len(text) > 100:
                raise Invalid("query.q", "at most 100 characters")
            if is_postgres(ctx.session):
                german: Any = literal_column("'german'::regconfig")
                stmt = stmt.where(
                    func.to_tsvector(german, Event.search_text).op("@@")(func.plainto_tsquery(german, text))
                )
            else:
                words = [w for w in text.lower().split() if w]
                for word in words:
                    stmt = stmt.where(Event.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
        return stmt


def _filters(
    start: dt.datetime | None,
    end: dt.datetime | None,
    when: str | None,
    category: str | None,
    district: str | None,
    lat: float | None,
    lon: float | None,
    radius_km: float,
    free: bool | None,
    accessibility: str | None,
    q: str | None,
    hide_cancelled: bool,
) -> Filters:
    return Filters(
        start=start,
        end=end,
        when=when,
        category=category,
        district=district,
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        free=free,
        accessibility=accessibility,
        q=q,
        hide_cancelled=hide_cancelled,
    )


From = Annotated[dt.datetime | None, QueryParameter(name="from", required=False)]
To = Annotated[dt.datetime | None, QueryParameter(name="to", required=False)]
When = FromQuery[Literal["today", "weekend"] | None]


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
        hide_cancelled,
        since,
        cursor,
        limit,
    )
    version = await cache.versions.read(ctx.tenant.slug)  # before the page query, never after
    now = utcnow()
    filters = _filters(
        start, end, when, category, district, lat, lon, radius_km, free, accessibility, q, hide_cancelled
    )
    page = await cache.page(
        key,
        version,
        now,
        lambda: _build_page(ctx, filters, now, version, since=since, cursor=cursor, limit=limit),
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
    since: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Runs the query, encodes the page and works out until when time alone leaves it unchanged."""
    # Floored to the minute (earlier is safe: a delta repeats, never misses) so that an unchanged
    # list keeps its ETag and answers 304 rather than never.
    token = sync_token(now.replace(second=0, microsecond=0))
    changed_since = parse_since(since)
    stmt = filters.statement(ctx, now)
    deleted: list[str] = []
    if changed_since is not None:
        stmt = stmt.where(Event.updated_at > changed_since)
        if not cursor:
            deleted = await deleted_since(ctx.session, RESOURCE, changed_since)
    order = [Occurrence.starts_at, Occurrence.event_id]
    rows, next_cursor = await paginate(ctx.session, stmt, order, cursor=cursor, limit=limit)
    body = msgspec.json.encode(
        DeltaPage(
            items=[occurrence_out(r, ctx.locales) for r in rows],
            deleted=deleted,
            sync_token=token,
            next_cursor=next_cursor,
        )
    )
    # With the window starting now, an occurrence leaves the list when it ends; the first one after
    # the page decides next_cursor. (An explicit ``from`` does not move: nothing leaves by time.)
    ends = [r.ends_at for r in rows] if filters.start is None else []
    if next_cursor is not None and filters.start is None:
        after, _ = await paginate(ctx.session, stmt, order, cursor=next_cursor, limit=1)
        ends += [r.ends_at for r in after]
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
    hide_cancelled: FromQuery[bool] = False,
    limit: FromQuery[int] = MAX_ICS_OCCURRENCES,
) -> Response[bytes]:
    if not 1 <= limit <= MAX_ICS_OCCURRENCES:
        raise Invalid("query.limit", f"must be between 1 and {MAX_ICS_OCCURRENCES}")
    stmt = _filters(
        start, end, when, category, district, lat, lon, radius_km, free, accessibility, q, hide_cancelled
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
