"""Staff reports: the day's list (CSV, iCalendar) and the figures (utilisation, no-shows, waiting list)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stadtkern_projektor.models import Booking, Room
from stadtkern_projektor.services.slots import day_slots

DAY_STATUSES = ("confirmed", "pending", "no_show")
BOOKED = ("confirmed", "no_show")


def day_span(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The day from local midnight to midnight."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)


async def day_bookings(session: AsyncSession, day: dt.date, tz: ZoneInfo) -> list[Booking]:
    """The bookings starting on ``day`` in the city, in time order."""
    start, end = day_span(day, tz)
    stmt = (
        select(Booking)
        .where(Booking.starts_at >= start, Booking.starts_at < end, Booking.status.in_(DAY_STATUSES))
        .order_by(Booking.starts_at, Booking.id)
    )
    return list(await session.scalars(stmt))


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs cells starting like a formula: residents typed the names.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def day_csv(bookings: Sequence[Booking], names: dict[object, tuple[str, str | None]], tz: ZoneInfo) -> str:
    """The day's list as CSV for the desk."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["start", "end", "what", "kind", "status", "people", "participant", "email", "checked_in"])
    for b in bookings:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    b.starts_at.astimezone(tz).strftime("%H:%M"),
                    b.ends_at.astimezone(tz).strftime("%H:%M"),
                    names.get(b.id, ("PROJEKTOR", None))[0],
                    b.kind,
                    b.status,
                    b.group_size,
                    b.participant_name,
                    b.participant_email,
                    b.checked_in_at.astimezone(tz).strftime("%H:%M") if b.checked_in_at else "",
                )
            ]
        )
    return out.getvalue()


def _open_minutes(room: Room, days: Sequence[dt.date], tz: ZoneInfo) -> int:
    return sum(room.slot_minutes for day in days for _ in day_slots(room, day, tz))


async def figures(
    session: AsyncSession, first: dt.date, weeks: int, tz: ZoneInfo, now: dt.datetime
) -> tuple[list[tuple[Room, dt.date, int, int]], int, int, int, int]:
    """Per room and week (booked slot minutes, open slot minutes), then no-shows, attended-or-due,
    waited and converted (waiting-list places that became a seat)."""
    start, _ = day_span(first, tz)
    end = start + dt.timedelta(weeks=weeks)
    rows = list(await session.scalars(select(Booking).where(Booking.starts_at >= start, Booking.starts_at < end)))
    rooms = list(await session.scalars(select(Room).order_by(Room.id)))
    booked: dict[tuple[object, int], int] = defaultdict(int)
    for b in rows:
        if b.room_id is not None and b.status in BOOKED:
            week = (b.starts_at.astimezone(tz).date() - first).days // 7
            booked[(b.room_id, week)] += int((b.ends_at - b.starts_at).total_seconds() // 60)
    per_room = []
    for room in rooms:
        for week in range(weeks):
            monday = first + dt.timedelta(weeks=week)
            days = [monday + dt.timedelta(days=n) for n in range(7)]
            per_room.append((room, monday, booked[(room.id, week)], _open_minutes(room, days, tz)))
    past = [b for b in rows if b.starts_at < now and b.status in BOOKED]
    no_shows = sum(1 for b in past if b.status == "no_show")
    waited = [b for b in rows if b.position is not None]
    converted = sum(1 for b in waited if b.from_waitlist and b.status in (*BOOKED, "pending"))
    return per_room, no_shows, len(past), len(waited), converted
