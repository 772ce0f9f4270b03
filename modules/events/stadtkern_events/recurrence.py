"""Recurrence with iCalendar semantics, expanded by ``recurring-ical-events`` (never by hand).

An event's schedule is stored as its first occurrence (UTC), its time zone, an RRULE, RDATEs,
EXDATEs and changed single occurrences. Expansion rebuilds a VEVENT (plus one VEVENT with a
RECURRENCE-ID per change) in the event's own time zone, so a weekly 19:00 stays at 19:00 local
time across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

from core.api import plausible_year
from core.api.moments import FIRST_YEAR, LAST_YEAR

ICAL_STATUS = {
    "scheduled": "CONFIRMED",
    "cancelled": "CANCELLED",
    "postponed": "TENTATIVE",
    "rescheduled": "CONFIRMED",
    "moved_online": "CONFIRMED",
}


class ScheduleError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Expanded:
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime  # UTC
    recurrence_id: dt.datetime  # UTC: the start the rule gave this occurrence
    status: str | None  # set on a changed single occurrence


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def to_utc(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Aware values keep their instant; naive ones are wall-clock time in ``tz``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.UTC)


def _plausible(year: int) -> None:
    if not plausible_year(year):
        raise ValueError(f"year {year} is outside {FIRST_YEAR}..{LAST_YEAR}")


def parse_moment(raw: str, *, all_day: bool, tz: ZoneInfo, field: str) -> str:
    """Normalise an RDATE/EXDATE/RECURRENCE-ID: a date for all-day events, else a UTC instant."""
    try:
        if all_day:
            day = dt.date.fromisoformat(raw[:10])
            _plausible(day.year)
            return day.isoformat()
        if len(raw) == 10:
            raise ValueError("a date-time is needed for an event with a start time")
        moment = dt.datetime.fromisoformat(raw)
        _plausible(moment.year)
        return to_utc(moment, tz).isoformat()
    except (ValueError, OverflowError) as exc:
        raise ScheduleError(field, f"not an ISO 8601 {'date' if all_day else 'date-time'}: {exc}") from None


def check_rrule(rule: str, field: str = "body.rrule", *, all_day: bool = False) -> str:
    """A valid RFC 5545 RRULE for an event with a time zone: ``UNTIL`` is a date for an all-day
    event and a UTC date-time (ending in ``Z``) otherwise, as RFC 5545 3.3.10 requires."""
    rule = rule.strip().removeprefix("RRULE:")
    try:
        parsed = icalendar.vRecur.from_ical(rule)
        until = parsed.get("UNTIL", [None])[0]
        if until is not None and all_day and isinstance(until, dt.datetime):
            raise ValueError("UNTIL must be a date (YYYYMMDD) for an all-day event")
        if until is not None and not all_day and not _is_utc(until):
            raise ValueError("UNTIL must be a UTC date-time ending in Z (YYYYMMDDTHHMMSSZ) for a timed event")
        start = dt.datetime(2000, 1, 1) if all_day else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        rrulestr(rule, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise ScheduleError(field, f"not a valid RFC 5545 RRULE: {exc}") from None
    return rule


def _is_utc(value: Any) -> bool:
    return isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0)


def _local(raw: str, all_day: bool, tz: ZoneInfo) -> dt.date | dt.datetime:
    if all_day:
        return dt.date.fromisoformat(raw[:10])
    return dt.datetime.fromisoformat(raw).astimezone(tz)


def _occurrence_value(value: Any, tz: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return to_utc(value, tz)
    return local_midnight(value, tz)


def _as_local(moment: dt.datetime, all_day: bool, tz: ZoneInfo) -> dt.date | dt.datetime:
    local = moment.astimezone(tz)
    return local.date() if all_day else local


def build_vevents(
    *,
    uid: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    all_day: bool,
    tz: ZoneInfo,
    rrule: str | None,
    rdates: Iterable[str],
    exdates: Iterable[str],
    changes: Iterable[dict[str, Any]],
) -> list[icalendar.Event]:
    """The master VEVENT and one VEVENT per changed occurrence (same UID, RECURRENCE-ID)."""
    master = icalendar.Event()
    master.add("uid", uid)
    master.add("dtstart", _as_local(starts_at, all_day, tz))
    master.add("dtend", _as_local(ends_at, all_day, tz))
    if rrule:
        master.add("rrule", icalendar.vRecur.from_ical(rrule))
    rd = [_local(r, all_day, tz) for r in rdates]
    if rd:
        master.add("rdate", rd)
    ex = [_local(x, all_day, tz) for x in exdates]
    if ex:
        master.add("exdate", ex)
    result = [master]
    duration = ends_at - starts_at
    for change in changes:
        rid = _local(change["recurrence_id"], all_day, tz)
        override = icalendar.Event()
        override.add("uid", uid)
        override.add("recurrence-id", rid)
        start = _local(change["start"], all_day, tz) if change.get("start") else rid
        end = _local(change["end"], all_day, tz) if change.get("end") else None
        if end is None:
            end = start + (dt.timedelta(days=max(1, duration.days)) if all_day else duration)
        override.add("dtstart", start)
        override.add("dtend", end)
        if change.get("status"):
            override.add("status", ICAL_STATUS[change["status"]])
            override.add("x-stadtkern-status", change["status"])
        result.append(override)
    return result


def expand(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    all_day: bool,
    tz: ZoneInfo,
    rrule: str | None,
    rdates: list[str],
    exdates: list[str],
    changes: list[dict[str, Any]],
    window_start: dt.datetime,
    window_end: dt.datetime,
    cap: int,
) -> list[Expanded]:
    """Occurrences overlapping ``[window_start, window_end)``, at most ``cap``, in start order."""
    if not rrule and not rdates and not changes:
        if starts_at < window_end and ends_at > window_start:
            return [Expanded(starts_at, ends_at, starts_at, None)]
        return []
    cal = icalendar.Calendar()
    for vevent in build_vevents(
        uid="x",
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        tz=tz,
        rrule=rrule,
        rdates=rdates,
        exdates=exdates,
        changes=changes,
    ):
        cal.add_component(vevent)
    found: list[Expanded] = []
    query = recurring_ical_events.of(cal)
    for component in itertools.islice(query.between(window_start, window_end), cap * 2):
        start = _occurrence_value(component["DTSTART"].dt, tz)
        end_prop = component.get("DTEND")
        end = _occurrence_value(end_prop.dt, tz) if end_prop is not None else start + (ends_at - starts_at)
        rid_prop = component.get("RECURRENCE-ID")
        rid = _occurrence_value(rid_prop.dt, tz) if rid_prop is not None else start
        status = component.get("X-STADTKERN-STATUS")
        found.append(Expanded(start, end, rid, str(status) if status else None))
    found.sort(key=lambda o: o.starts_at)
    return found[:cap]
