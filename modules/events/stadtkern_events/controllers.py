"""Residents: the list of occurrences with its filters, event detail, iCalendar export."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Annotated, Any, Literal

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import contains_eager

from core.api import (
    DEFAULT_LIMIT,
    Invalid,
    ModuleContext,
    NotFound,
    StaffUser,
    deleted_since,
    paginate,
    parse_since,
    sync_token,
    utcnow,
)
from schemas import DeltaPage
from stadtkern_events.models import ACCESSIBILITY, RESOURCE, Event, Occurrence
from stadtkern_events.schemas import EventOut, OccurrenceOut
from stadtkern_events.settings import EventsSettings
from stadtkern_events.views import event_ics, event_out, occurrence_out, occurrences_ics

Ctx = NamedDependency[ModuleContext[EventsSettings]]
KM_PER_DEGREE = 111.32
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

    def statement(self, ctx: ModuleContext[EventsSettings]) -> Select[Any]:
        now = utcnow()
        horizon = now + dt.timedelta(days=ctx.settings.horizon_days)
        start, end = self.start, self.end
        for name, value in (("from", start), ("to", end)):
            if value is not None and value.tzinfo is None:
                raise Invalid(f"query.{name}", "needs a time zone offset (e.g. 2026-12-01T00:00:00+01:00)")
        if self.when is not None:
            if start is not None or end is not None:
                raise Invalid("query.when", "use either 'when' or 'from'/'to'")
            start, end = day_window(now, self.when, ctx.tenant.time_zone)
        start = start or now
        end = end or horizon
        if end <= start:
            raise Invalid("query.to", "must be after 'from'")
        stmt = (
            select(Occurrence)
            .join(Occurrence.event)
            .options(contains_eager(Occurrence.event))
            .where(
                Occurrence.tenant_id == ctx.tenant.slug,
                Occurrence.published.is_(True),
                Occurrence.ends_at > start,
                Occurrence.starts_at < end,
            )
        )
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
            # Equirectangular distance: exact enough within a city, plain arithmetic on both databases.
            dlat = Event.lat - self.lat
            dlon = (Event.lon - self.lon) * math.cos(math.radians(self.lat))
            limit = (self.radius_km / KM_PER_DEGREE) ** 2
            stmt = stmt.where(Event.lat.is_not(None), dlat * dlat + dlon * dlon <= limit)
        if self.q:
            text = self.q.strip()
            if len(text) > 100:
                raise Invalid("query.q", "at most 100 characters")
            if ctx.session.get_bind().dialect.name == "postgresql":
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
) -> DeltaPage[OccurrenceOut]:
    # Floored to the minute (earlier is safe: a delta repeats, never misses) so that an unchanged
    # list keeps its ETag and answers 304 for a minute rather than never.
    token = sync_token(utcnow().replace(second=0, microsecond=0))
    changed_since = parse_since(since)
    stmt = _filters(
        start, end, when, category, district, lat, lon, radius_km, free, accessibility, q, hide_cancelled
    ).statement(ctx)
    deleted: list[str] = []
    if changed_since is not None:
        stmt = stmt.where(Event.updated_at > changed_since)
        if not cursor:
            deleted = await deleted_since(ctx.session, ctx.tenant.slug, RESOURCE, changed_since)
    rows, next_cursor = await paginate(
        ctx.session, stmt, [Occurrence.starts_at, Occurrence.event_id], cursor=cursor, limit=limit
    )
    return DeltaPage(
        items=[occurrence_out(r, ctx.locales) for r in rows],
        deleted=deleted,
        sync_token=token,
        next_cursor=next_cursor,
    )


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
    ).statement(ctx)
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
