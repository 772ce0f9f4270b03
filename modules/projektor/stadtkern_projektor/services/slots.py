"""The slot grid of a room: opening hours in the city's time zone, slot length, buffer, notice,
how far ahead, closures. Pure functions over rows already loaded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from stadtkern_projektor.models import Room

WEEKDAYS = ("1", "2", "3", "4", "5", "6", "7")


@dataclass(frozen=True)
class Slot:
    """One bookable span of a room, in UTC; ``blocked_until`` adds the buffer."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    blocked_until: dt.datetime


def parse_clock(value: str) -> dt.time:
    """ "09:30" as a time; ValueError otherwise."""
    hours, _, minutes = value.partition(":")
    if len(hours) != 2 or len(minutes) != 2:
        raise ValueError(value)
    return dt.time(int(hours), int(minutes))


def _intervals(room: Room, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    spans = room.opening_hours.get(str(day.isoweekday()), [])
    return [(parse_clock(a), parse_clock(b)) for a, b in spans]


def day_slots(room: Room, day: dt.date, tz: ZoneInfo, length: int = 1) -> Iterator[Slot]:
    """The slots of ``day`` (``length`` consecutive grid slots each), in time order."""
    step = dt.timedelta(minutes=room.slot_minutes + room.buffer_minutes)
    span = dt.timedelta(minutes=room.slot_minutes * length + room.buffer_minutes * (length - 1))
    buffer = dt.timedelta(minutes=room.buffer_minutes)
    for opens, closes in _intervals(room, day):
        start = dt.datetime.combine(day, opens, tzinfo=tz)
        end_of_day = dt.datetime.combine(day, closes, tzinfo=tz)
        while start + span <= end_of_day:
            begin = start.astimezone(dt.UTC)
            end = (start + span).astimezone(dt.UTC)
            yield Slot(begin, end, end + buffer)
            start += step


def bookable_window(room: Room, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and latest start a resident may book now."""
    return now + dt.timedelta(minutes=room.min_notice_minutes), now + dt.timedelta(days=room.max_days_ahead)


def overlaps(a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime) -> bool:
    """Half-open spans [a_start, a_end) and [b_start, b_end) share a moment."""
    return a_start < b_end and b_start < a_end


def find_slot(room: Room, starts_at: dt.datetime, tz: ZoneInfo, length: int) -> Slot | None:
    """The grid slot starting exactly at ``starts_at``, or None if the room has none there."""
    local = starts_at.astimezone(tz)
    for slot in day_slots(room, local.date(), tz, length):
        if slot.starts_at == starts_at.astimezone(dt.UTC):
            return slot
    return None


def free_slots(
    room: Room,
    days: Sequence[dt.date],
    tz: ZoneInfo,
    now: dt.datetime,
    taken: Sequence[tuple[dt.datetime, dt.datetime]],
    closed: Sequence[tuple[dt.datetime, dt.datetime]],
) -> Iterator[tuple[Slot, bool]]:
    """Every slot of ``days`` residents may book now, with whether it is still free."""
    earliest, latest = bookable_window(room, now)
    for day in days:
        for slot in day_slots(room, day, tz):
            if slot.starts_at < earliest or slot.starts_at > latest:
                continue
            if any(overlaps(slot.starts_at, slot.ends_at, a, b) for a, b in closed):
                continue
            free = not any(overlaps(slot.starts_at, slot.blocked_until, a, b) for a, b in taken)
            yield slot, free
