"""One event of a feed (its VEVENT and changed occurrences) as the staff API's input."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from schemas import LocalizedText
from stadtkern_events.ical_read import Item, Reader
from stadtkern_events.models import STATUSES
from stadtkern_events.schemas import ChangeIn, EventIn, PlaceIn
from stadtkern_events.settings import FeedConfig

STATUS_FROM_ICAL = {"CANCELLED": "cancelled", "TENTATIVE": "scheduled", "CONFIRMED": "scheduled"}


def _iso(value: Any) -> str:
    return str(value.isoformat())


def _text(component: icalendar.Event, name: str) -> str | None:
    value = component.get(name)
    return str(value).strip() or None if value is not None else None


def _place(component: icalendar.Event, feed: FeedConfig) -> PlaceIn | None:
    geo = component.get("GEO")
    location = _text(component, "LOCATION")
    if not (location or geo is not None or feed.district):
        return None
    return PlaceIn(
        name=location[:200] if location else None,
        lat=float(geo.latitude) if geo is not None else None,
        lon=float(geo.longitude) if geo is not None else None,
        district=feed.district,
    )


def _until(rule: Any, all_day: bool, zone: ZoneInfo, zoned: bool, read: Reader) -> str:
    """The rule with UNTIL as RFC 5545 wants it beside our zoned start: a date, or UTC ("…Z")."""
    until = rule.get("UNTIL", [None])[0]
    if until is None:
        return str(rule.to_ical().decode())
    fixed: dt.date | dt.datetime = until
    if all_day and isinstance(until, dt.datetime):
        fixed = (until.astimezone(zone) if until.tzinfo else until).date()
        read.note("repaired", "UNTIL was a date-time beside an all-day start: read as its date")
    elif not all_day and not isinstance(until, dt.datetime):
        fixed = dt.datetime.combine(until, dt.time(23, 59, 59), tzinfo=zone).astimezone(dt.UTC)
        read.note("repaired", "UNTIL was a date beside a start time: read as the end of that day")
    elif not all_day and isinstance(until, dt.datetime) and until.utcoffset() != dt.timedelta(0):
        fixed = (until if until.tzinfo else until.replace(tzinfo=zone)).astimezone(dt.UTC)
        if zoned and until.tzinfo is None:
            read.note("repaired", f"floating UNTIL beside a zoned start (RFC 5545 3.3.10): read in {zone.key}")
    copy: Any = icalendar.vRecur(rule)
    copy["UNTIL"] = [fixed]
    return str(copy.to_ical().decode())


def _change(override: icalendar.Event, master: icalendar.Event, read: Reader, feed: FeedConfig) -> ChangeIn:
    ostatus = STATUS_FROM_ICAL.get(str(override.get("STATUS", "")).upper())
    title, description = _text(override, "SUMMARY"), _text(override, "DESCRIPTION")
    place = _place(override, feed)
    own_place = place is not None and place.name is not None and place.name != _text(master, "LOCATION")
    return ChangeIn(
        recurrence_id=_iso(read.prop(override, "RECURRENCE-ID")),
        start=_iso(read.prop(override, "DTSTART")) if "DTSTART" in override else None,
        end=_iso(read.prop(override, "DTEND")) if "DTEND" in override else None,
        status=ostatus if ostatus in STATUSES and ostatus != "scheduled" else None,  # type: ignore[arg-type]
        title=LocalizedText(de=title[:300]) if title and title != _text(master, "SUMMARY") else None,
        description=LocalizedText(de=description)
        if description and description != _text(master, "DESCRIPTION")
        else None,
        place=place if own_place else None,
    )


def _rdates(master: icalendar.Event, read: Reader, length: dt.timedelta) -> tuple[list[str], list[ChangeIn]]:
    """RDATEs; a PERIOD of another length than the event's is an extra date with its own end."""
    rdates: list[str] = []
    changes: list[ChangeIn] = []
    for value in read.moments(master, "RDATE"):
        if isinstance(value, tuple):
            start, end = value
            rdates.append(_iso(start))
            if end - start != length:
                changes.append(ChangeIn(recurrence_id=_iso(start), start=_iso(start), end=_iso(end)))
        else:
            rdates.append(_iso(value))
    return rdates, changes


def _span(master: icalendar.Event, read: Reader) -> tuple[Any, Any]:
    start = read.prop(master, "DTSTART")
    end = read.prop(master, "DTEND") if "DTEND" in master else None
    if end is None and "DURATION" in master:
        end = start + master.decoded("DURATION")
    if not isinstance(start, dt.datetime) and end is not None and end <= start:
        read.note("repaired", "all-day DTEND not after DTSTART: read as a one-day event")
        end = start + dt.timedelta(days=1)
    return start, end


def to_event_in(item: Item, feed: FeedConfig, read: Reader) -> EventIn:
    """The staff API's input for one event; raises ValueError (and kin) on what it cannot read."""
    master = item.master
    tz = read.event_zone(master)
    start, end = _span(master, read)
    all_day = not isinstance(start, dt.datetime)
    title = _text(master, "SUMMARY")
    if not title:
        raise ValueError("no SUMMARY")
    description = _text(master, "DESCRIPTION")
    rule = master.get("RRULE")
    if isinstance(rule, list):
        read.note("repaired", "more than one RRULE: the first is used")
        rule = rule[0]
    zoned = bool(master["DTSTART"].params.get("TZID"))
    length = (end - start) if end is not None else dt.timedelta(days=1 if all_day else 0)
    rdates, period_changes = _rdates(master, read, length)
    changes = [_change(o, master, read, feed) for o in item.overrides]
    overridden = {c.recurrence_id for c in changes}
    url = _text(master, "URL")
    common: dict[str, Any] = {
        "title": LocalizedText(de=title[:300]),
        "description": LocalizedText(de=description) if description else None,
        "time_zone": tz.key,
        "rrule": _until(rule, all_day, tz, zoned, read) if rule is not None else None,
        "rdates": rdates,
        "exdates": [_iso(x) for x in read.moments(master, "EXDATE") if not isinstance(x, tuple)],
        "changes": changes + [c for c in period_changes if c.recurrence_id not in overridden],
        "status": STATUS_FROM_ICAL.get(str(master.get("STATUS", "CONFIRMED")).upper(), "scheduled"),
        "place": _place(master, feed),
        "categories": list(feed.categories),
        "registration_url": url if url and url.startswith(("http://", "https://")) and len(url) <= 500 else None,
        "published": feed.publish,
    }
    if all_day:
        return EventIn(start_date=start, end_date=end if end else None, **common)
    return EventIn(start=start, end=end, **common)
