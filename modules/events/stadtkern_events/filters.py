"""The residents' list filters: the time window and the statement every list variant starts from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, Select, bindparam, select, union_all
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.elements import ColumnElement

from core.api import Invalid, ModuleContext, is_postgres, matching, near, text_query_params
from stadtkern_events import near_cells
from stadtkern_events.models import ACCESSIBILITY, TEXT_INDEX, Event, Occurrence
from stadtkern_events.serializers import EVENT_COLUMNS, LIST_COLUMNS, OCCURRENCE_COLUMNS
from stadtkern_events.settings import EventsSettings
from stadtkern_events.shapes import (
    after_condition,
    after_values,
    built_once,
    listed,
    listed_parts,
    window_values,
)


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
        prefix: bool = False,
        hide_cancelled: bool,
    ) -> None:
        self.start, self.end, self.when = start, end, when
        self.category, self.district = category, district
        self.lat, self.lon, self.radius_km = lat, lon, radius_km
        self.free, self.accessibility, self.q = free, accessibility, q
        self.prefix, self.hide_cancelled = prefix, hide_cancelled

    def cells(self) -> tuple[str, list[int]] | None:
        """The grid cells of the circle when near_cells serves it (see there), else None."""
        if self.lat is None or self.lon is None or not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            return None
        if not 0 < self.radius_km <= 200:
            return None  # statement() names the field
        return near_cells.plan(self.lat, self.lon, self.radius_km * 1000)

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
        stmt = select(Occurrence).join(Occurrence.event).options(contains_eager(Occurrence.event))
        return self.event_filters(ctx, stmt.where(*self.occurrence_filters(ctx, now, bounded=bounded)))

    def occurrence_filters(
        self, ctx: ModuleContext[EventsSettings], now: dt.datetime, *, bounded: bool = True
    ) -> list[ColumnElement[bool]]:
        """The conditions on the occurrence rows alone: published, in the window, not cancelled."""
        start, end = self.window(ctx, now)
        return listed(start, end if bounded else None, hide_cancelled=self.hide_cancelled)

    def event_filters(
        self, ctx: ModuleContext[EventsSettings], stmt: Select[Any], *, place: bool = True
    ) -> Select[Any]:
        """``stmt`` (which joins the events) limited by the conditions on the events; ``place=False``
        leaves the circle out (still checked: near_cells applies it to the occurrences)."""
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
            if place:  # through the places' spatial index (events_0004)
                stmt = near(ctx.session, stmt, Event, self.lat, self.lon, self.radius_km * 1000)
        if self.q and self.q.strip():
            if len(self.q) > 100:
                raise Invalid("query.q", "at most 100 characters")
            # The stored, weighted German vector and its index (core.api.matching, events_0005).
            stmt = matching(ctx.session, stmt, TEXT_INDEX, self.q, prefix=self.prefix)
        return stmt

    def has_event_filters(self) -> bool:
        """Whether a condition on the events (not only on the occurrences) narrows the list."""
        return bool(self.category or self.district or self.accessibility or self.free or (self.q and self.q.strip()))

    def plain_page(
        self, ctx: ModuleContext[EventsSettings], now: dt.datetime, *, cursor: str | None, limit: int
    ) -> tuple[Select[Any], tuple[Any, Any], dict[str, Any]] | None:
        """The plain list, or full-text search alone (no place, no other condition on the events), as
        a statement built once per shape (stadtkern_events.shapes), its order and its values; None
        for any other list."""
        if self.lat is not None or self.lon is not None or self.category or self.district:
            return None
        if self.accessibility or self.free:
            return None
        words: dict[str, str] | None = None
        if self.q and self.q.strip():
            if len(self.q) > 100:
                return None  # statement() names the field
            words = text_query_params(ctx.session, TEXT_PARAM, self.q, prefix=self.prefix)
            if words is None:
                return None  # no searchable word: matches nothing, statement() says so
        values = {**window_values(*self.window(ctx, now)), **(words or {}), "part_limit": limit + 1}
        if cursor:
            values.update(after_values(cursor, PLAIN_ORDER))
        shape = ("list", self.hide_cancelled, bool(cursor), words is not None)
        hide, after, text = self.hide_cancelled, bool(cursor), words is not None
        statement, order = built_once(ctx.session, shape, lambda: _plain_statement(ctx, hide, after, text))
        return statement, order, values

    def near_page(
        self,
        ctx: ModuleContext[EventsSettings],
        now: dt.datetime,
        cells: tuple[str, list[int]],
        *,
        cursor: str | None,
        limit: int,
    ) -> tuple[Select[Any], tuple[Any, Any], dict[str, Any] | None]:
        """The list's rows (serializers.LIST_COLUMNS) for a circle near_cells serves, their order, and
        the values of the statement's parameters (None: the statement carries its values).

        Without conditions on the events, the cell parts read the occurrences' index alone and only
        the page's rows are joined to their events, from a statement built once per shape
        (near_cells.page_statement); with them, each part joins (and filters) itself."""
        if self.lat is None or self.lon is None:
            raise ValueError("near_page needs a point")
        radius_m = self.radius_km * 1000
        if not self.has_event_filters():
            shape, values = near_cells.page_values(
                self.lat,
                self.lon,
                radius_m,
                cells,
                self.window(ctx, now),
                hide_cancelled=self.hide_cancelled,
                cursor=cursor,
                limit=limit,
            )
            page, order = near_cells.page_statement(ctx.session, OCCURRENCE_COLUMNS, EVENT_COLUMNS, shape)
            return page, order, values
        stmt = select(*LIST_COLUMNS).where(*self.occurrence_filters(ctx, now)).join(Occurrence.event)
        stmt = self.event_filters(ctx, stmt, place=False)
        found, order = near_cells.in_circle(
            ctx.session, stmt, self.lat, self.lon, radius_m, cells, cursor=cursor, limit=limit
        )
        return select(found), order, None


PLAIN_ORDER = (Occurrence.starts_at, Occurrence.event_id)


TEXT_PARAM = "q"  # the name of the words' parameter (core.api.text_query_params)


def _plain_statement(
    ctx: ModuleContext[EventsSettings], hide_cancelled: bool, with_cursor: bool, text: bool
) -> tuple[Select[Any], tuple[Any, Any]]:
    after = [after_condition(PLAIN_ORDER)] if with_cursor else []
    # Each part reads a range of the starts and stops after a page (limit + 1 rows). Plain, only
    # the page's rows are joined to their events. With words, each part joins its events and
    # tests their stored vector, so the planner may walk the starts in order and test each event
    # (a common word: a page after a few hundred rows) or take the words' index and sort what it
    # finds (a rare word); a window with no lower bound on the starts left it only the second.
    parts = []
    for conditions in listed_parts(hide_cancelled=hide_cancelled):
        if text:
            part = select(*LIST_COLUMNS).select_from(Occurrence).join(Occurrence.event).where(*conditions, *after)
            # any word stands in for the query's: the statement takes its words as the parameter
            part = matching(ctx.session, part, TEXT_INDEX, "wort", param=TEXT_PARAM)
        else:
            part = select(*OCCURRENCE_COLUMNS).where(*conditions, *after)
        limited = part.order_by(*PLAIN_ORDER).limit(bindparam("part_limit", type_=Integer()))
        parts.append(select(limited.subquery()))
    found = union_all(*parts).subquery("listed")
    if text:
        return select(*(found.c[c.key] for c in LIST_COLUMNS)), (found.c.starts_at, found.c.event_id)
    page = select(*(found.c[c.key] for c in OCCURRENCE_COLUMNS), *EVENT_COLUMNS)
    return page.join(Event, Event.id == found.c.event_id), (found.c.starts_at, found.c.event_id)


async def plan_for_the_words(session: AsyncSession) -> None:
    """Makes PostgreSQL plan the words' statement (above) for this query's own words.

    Which way is fast depends on how common the words are, which the planner reads from the stored
    vectors' statistics; a prepared statement's generic plan, taken after five executions, knows
    no words and walked the starts for a rare one (250 ms a page at 200,000 events). Planning
    each time costs about 1 ms."""
    if is_postgres(session):
        await session.execute(sql_text("SET LOCAL plan_cache_mode = force_custom_plan"))


def filters_of(
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
    prefix: bool = False,
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
        prefix=prefix,
        hide_cancelled=hide_cancelled,
    )
