"""Staff reports: the day's list as CSV or iCalendar, and the figures."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Response, get
from litestar.params import FromPath, FromQuery

from core.api import Invalid, plausible_year, require_editor, utcnow
from stadtkern_projektor.controllers.common import Ctx
from stadtkern_projektor.services.calendars import calendar, titles
from stadtkern_projektor.services.reports import day_bookings, day_csv, figures


class RoomWeek(msgspec.Struct):
    """How much of a room's slot time was booked in one week (``utilisation`` 0..1)."""

    room_id: str
    room: str
    week_of: dt.date
    booked_minutes: int
    open_minutes: int
    utilisation: float


class Figures(msgspec.Struct):
    """Utilisation per room and week, the no-show rate and the waiting-list conversion."""

    rooms: list[RoomWeek]
    no_shows: int
    past_bookings: int
    no_show_rate: float | None
    waited: int
    from_waitlist: int
    waitlist_conversion: float | None


def _check_day(day: dt.date) -> None:
    if not plausible_year(day.year):
        raise Invalid("path.day", "outside the years this service knows")


@get("/days/{day:date}/bookings.csv", guards=[require_editor], summary="The day's bookings as CSV (editors)")
async def day_list_csv(day: FromPath[dt.date], ctx: Ctx) -> Response[str]:
    """For the desk: times in the city's time zone, participants where a workshop asked for them."""
    _check_day(day)
    rows = await day_bookings(ctx.session, day, ctx.tenant.time_zone)
    body = day_csv(rows, await titles(ctx.session, rows, ctx.locales), ctx.tenant.time_zone)  # type: ignore[arg-type]
    return Response(body, media_type="text/csv; charset=utf-8", headers={"Cache-Control": "private, no-store"})


@get("/days/{day:date}/bookings.ics", guards=[require_editor], summary="The day's bookings as iCalendar (editors)")
async def day_list_ics(day: FromPath[dt.date], ctx: Ctx) -> Response[bytes]:
    """One VEVENT per booking."""
    _check_day(day)
    rows = await day_bookings(ctx.session, day, ctx.tenant.time_zone)
    body = calendar(rows, await titles(ctx.session, rows, ctx.locales), ctx.tenant.slug, name=f"PROJEKTOR {day}")
    return Response(body, media_type="text/calendar; charset=utf-8", headers={"Cache-Control": "private, no-store"})


@get(
    "/figures", guards=[require_editor], summary="Utilisation per room and week, no-show rate, waiting-list conversion"
)
async def figures_route(ctx: Ctx, start: FromQuery[dt.date | None] = None, weeks: FromQuery[int] = 4) -> Figures:
    """From the Monday of ``start`` (default: four weeks ago) for ``weeks`` weeks (at most 26)."""
    if not 1 <= weeks <= 26:
        raise Invalid("query.weeks", "must be between 1 and 26")
    tz = ctx.tenant.time_zone
    today = utcnow().astimezone(tz).date()
    first = start or today - dt.timedelta(weeks=weeks)
    if not plausible_year(first.year):
        raise Invalid("query.start", "outside the years this service knows")
    first -= dt.timedelta(days=first.weekday())
    per_room, no_shows, past, waited, converted = await figures(ctx.session, first, weeks, tz, utcnow())
    rooms = [
        RoomWeek(
            str(r.id), str(r.name.get("de") or next(iter(r.name.values()))), monday, b, o, round(b / o, 4) if o else 0.0
        )
        for r, monday, b, o in per_room
    ]
    return Figures(
        rooms=rooms,
        no_shows=no_shows,
        past_bookings=past,
        no_show_rate=round(no_shows / past, 4) if past else None,
        waited=waited,
        from_waitlist=converted,
        waitlist_conversion=round(converted / waited, 4) if waited else None,
    )


route_handlers = [day_list_csv, day_list_ics, figures_route]
