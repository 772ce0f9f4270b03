"""Rows to wire shapes, and rows to iCalendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from core.api import pick
from stadtkern_events.models import Event, Occurrence, unpack
from stadtkern_events.recurrence import ICAL_STATUS, build_vevents
from stadtkern_events.schemas import EventOut, Image, OccurrenceOut, Organizer, Place, Price

PRODID = "-//Stadtkern//events//DE"


# The list page reads these columns only (no ORM objects, no description or schedule JSON to
# decode): mapping the rows was most of a cache miss's cost. The occurrence's start, end and status
# come first; an event column of the same name would shadow them, so none is selected.
LIST_COLUMNS = (
    Occurrence.starts_at,
    Occurrence.ends_at,
    Occurrence.status,
    Occurrence.event_id,
    Occurrence.own_title,
    Occurrence.own_place_name,
    Occurrence.own_place_address,
    Event.title,
    Event.all_day,
    Event.time_zone,
    Event.rrule,
    Event.rdates,
    Event.categories,
    Event.place_name,
    Event.place_address,
    Event.lat,
    Event.lon,
    Event.district,
    Event.is_free,
    Event.images,
    Event.accessibility,
    Event.updated_at,
)
OCCURRENCE_COLUMNS, EVENT_COLUMNS = LIST_COLUMNS[:7], LIST_COLUMNS[7:]


def place_of(event: Event) -> Place | None:
    if not any((event.place_name, event.place_address, event.lat, event.district)):
        return None
    return Place(
        name=event.place_name, address=event.place_address, lat=event.lat, lon=event.lon, district=event.district
    )


def images_of(images: list[dict[str, Any]], locales: Sequence[str]) -> list[Image]:
    out = []
    for image in images:
        alt = image.get("alt")
        out.append(Image(url=image["url"], alt=pick(alt, locales) if alt else None))
    return out


def _span(
    start: dt.datetime, end: dt.datetime, all_day: bool, tz: ZoneInfo
) -> tuple[dt.datetime | None, dt.datetime | None, dt.date | None, dt.date | None]:
    if all_day:
        return None, None, start.astimezone(tz).date(), end.astimezone(tz).date()
    return start.astimezone(tz), end.astimezone(tz), None, None


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def row_out(row: Sequence[Any], locales: Sequence[str]) -> OccurrenceOut:
    """A row of :data:`LIST_COLUMNS` (a ``Row`` or a tuple in that order) as a list entry."""
    # Unpacked by position: a Row's attribute look-ups were a fifth of a page's mapping cost.
    (
        starts_at,
        ends_at,
        status,
        event_id,
        own_title,
        own_place_name,
        own_place_address,
        title,
        all_day,
        time_zone,
        rrule,
        rdates,
        categories,
        place_name,
        place_address,
        lat,
        lon,
        district,
        is_free,
        images,
        accessibility,
        updated_at,
    ) = row
    start, end, start_date, end_date = _span(starts_at, ends_at, all_day, _zone(time_zone))
    if own_place_name or own_place_address:  # a changed date at its own place
        place_name, place_address = own_place_name, own_place_address
    has_place = place_name or place_address or lat or district
    image = images_of(images[:1], locales) if images else None
    return OccurrenceOut(
        event_id=event_id,
        start=start,
        end=end,
        start_date=start_date,
        end_date=end_date,
        all_day=all_day,
        status=status,
        recurring=bool(rrule or rdates),
        title=pick(own_title or title, locales),
        categories=unpack(categories),
        place=Place(name=place_name, address=place_address, lat=lat, lon=lon, district=district) if has_place else None,
        is_free=is_free,
        image=image[0] if image else None,
        accessibility=unpack(accessibility),
        updated_at=updated_at,
    )


def occurrence_out(occ: Occurrence, locales: Sequence[str]) -> OccurrenceOut:
    """An occurrence loaded with its event, as a list entry (the same shape as :func:`row_out`)."""
    event = occ.event
    return row_out(
        (
            occ.starts_at,
            occ.ends_at,
            occ.status,
            event.id,
            occ.own_title,
            occ.own_place_name,
            occ.own_place_address,
            *(getattr(event, c.key) for c in EVENT_COLUMNS),
        ),
        locales,
    )


def event_out(event: Event, locales: Sequence[str], upcoming: Iterable[Occurrence]) -> EventOut:
    start, end, start_date, end_date = _span(event.starts_at, event.ends_at, event.all_day, ZoneInfo(event.time_zone))
    return EventOut(
        id=event.id,
        title=pick(event.title, locales),
        description=pick(event.description, locales),
        texts={"title": event.title, "description": event.description},
        start=start,
        end=end,
        start_date=start_date,
        end_date=end_date,
        all_day=event.all_day,
        time_zone=event.time_zone,
        rrule=event.rrule,
        rdates=list(event.rdates),
        exdates=list(event.exdates),
        changes=[dict(c) for c in event.changes],
        next_occurrences=[occurrence_out(o, locales) for o in upcoming],
        status=event.status,
        attendance_mode=event.attendance_mode,
        online_url=event.online_url,
        place=place_of(event),
        organizer=Organizer(name=event.organizer_name, url=event.organizer_url, email=event.organizer_email)
        if event.organizer_name
        else None,
        categories=unpack(event.categories),
        tags=list(event.tags),
        price=Price(is_free=event.is_free, min=event.price_min, max=event.price_max, currency=event.currency),
        registration_url=event.registration_url,
        capacity=event.capacity,
        age_min=event.age_min,
        age_max=event.age_max,
        images=images_of(event.images, locales),
        accessibility=unpack(event.accessibility),
        published=event.published,
        source={"feed": event.source_feed, "uid": event.source_uid or ""} if event.source_feed else None,
        updated_at=event.updated_at,
    )


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _describe(vevent: icalendar.Event, event: Event, locales: Sequence[str], status: str) -> None:
    vevent.add("summary", pick(event.title, locales))
    description = pick(event.description, locales)
    if description:
        vevent.add("description", description)
    location = ", ".join(p for p in (event.place_name, event.place_address) if p)
    if location:
        vevent.add("location", location)
    if event.lat is not None and event.lon is not None:
        vevent.add("geo", (event.lat, event.lon))
    categories = unpack(event.categories)
    if categories:
        vevent.add("categories", categories)
    url = event.registration_url or event.online_url
    if url:
        vevent.add("url", url)
    if "status" not in vevent:
        vevent.add("status", ICAL_STATUS.get(status, "CONFIRMED"))
    vevent.add("dtstamp", event.updated_at)
    vevent.add("last-modified", event.updated_at)


def event_ics(event: Event, tenant: str, locales: Sequence[str], calendar_name: str) -> bytes:
    """The whole event with its rule, exceptions and changed occurrences."""
    cal = _calendar(calendar_name)
    for vevent in build_vevents(
        uid=f"{event.id}@{tenant}.stadtkern",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        all_day=event.all_day,
        tz=ZoneInfo(event.time_zone),
        rrule=event.rrule,
        rdates=event.rdates,
        exdates=event.exdates,
        changes=event.changes,
    ):
        vevent.pop("X-STADTKERN-STATUS", None)
        _describe(vevent, event, locales, event.status)
        cal.add_component(vevent)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def occurrences_ics(rows: Iterable[Occurrence], tenant: str, locales: Sequence[str], calendar_name: str) -> bytes:
    """A filtered list: each occurrence as its own VEVENT (its own UID), in the events' time zones."""
    cal = _calendar(calendar_name)
    for occ in rows:
        event = occ.event
        tz = ZoneInfo(event.time_zone)
        vevent = icalendar.Event()
        stamp = occ.starts_at.strftime("%Y%m%dT%H%M%SZ")
        vevent.add("uid", f"{event.id}-{stamp}@{tenant}.stadtkern")
        if event.all_day:
            vevent.add("dtstart", occ.starts_at.astimezone(tz).date())
            vevent.add("dtend", occ.ends_at.astimezone(tz).date())
        else:
            vevent.add("dtstart", occ.starts_at.astimezone(tz))
            vevent.add("dtend", occ.ends_at.astimezone(tz))
        _describe(vevent, event, locales, occ.status)
        cal.add_component(vevent)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
