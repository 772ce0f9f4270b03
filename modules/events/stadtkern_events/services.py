"""Writing events: validation, occurrence expansion, update pushes to favourites, reminders."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Audience, Invalid, Notification, check_years, pick, record_deletion, utcnow
from schemas import LocalizedText
from stadtkern_events.cache import bump_version
from stadtkern_events.changes import own_columns, own_of
from stadtkern_events.models import (
    REMINDER_PENDING,
    RESOURCE,
    Event,
    Favourite,
    Occurrence,
    Reminder,
    duration_class,
    pack,
)
from stadtkern_events.near_cells import cells_of
from stadtkern_events.recurrence import ScheduleError, check_rrule, expand, local_midnight, parse_moment, to_utc
from stadtkern_events.schemas import EventIn
from stadtkern_events.settings import EventsSettings

TOPIC_UPDATES = "events.updates"
TOPIC_REMINDERS = "events.reminders"
# Keep this much of the past expanded: "today" and a recent weekend still list what already began.
PAST_KEPT = dt.timedelta(days=35)
DEFAULT_DURATION = dt.timedelta(hours=2)
NOTIFY_ON = {"cancelled", "postponed", "rescheduled", "moved_online"}


def zone(name: str | None, default: ZoneInfo, field: str = "body.time_zone") -> ZoneInfo:
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(field, f"unknown IANA time zone {name!r}") from None


def _schedule(data: EventIn, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime, bool]:
    check_years(start=data.start, end=data.end, start_date=data.start_date, end_date=data.end_date)
    if data.start_date is not None:
        if data.start is not None or data.end is not None:
            raise Invalid("body.start", "give either start/end or start_date/end_date, not both")
        end_date = data.end_date or data.start_date + dt.timedelta(days=1)
        if end_date <= data.start_date:
            raise Invalid("body.end_date", "must be after start_date (it is exclusive)")
        return local_midnight(data.start_date, tz), local_midnight(end_date, tz), True
    if data.start is None:
        raise Invalid("body.start", "start (or start_date for an all-day event) is required")
    start = to_utc(data.start, tz)
    end = to_utc(data.end, tz) if data.end is not None else start + DEFAULT_DURATION
    if end < start:
        raise Invalid("body.end", "must not be before start")
    return start, end, False


def _check_list(values: Sequence[str], allowed: Sequence[str], field: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise Invalid(field, f"unknown {', '.join(unknown)}; one of {', '.join(allowed)}")
    return list(dict.fromkeys(values))


def apply_input(event: Event, data: EventIn, settings: EventsSettings, city_tz: ZoneInfo) -> None:
    """Validates ``data`` and writes it onto ``event`` (new or existing)."""
    tz = zone(data.time_zone, city_tz)
    start, end, all_day = _schedule(data, tz)
    try:
        rrule = check_rrule(data.rrule, all_day=all_day) if data.rrule else None
        rdates = [parse_moment(r, all_day=all_day, tz=tz, field=f"body.rdates[{i}]") for i, r in enumerate(data.rdates)]
        exdates = [
            parse_moment(x, all_day=all_day, tz=tz, field=f"body.exdates[{i}]") for i, x in enumerate(data.exdates)
        ]
        changes: list[dict[str, Any]] = []
        for i, change in enumerate(data.changes):
            entry: dict[str, Any] = {
                "recurrence_id": parse_moment(
                    change.recurrence_id, all_day=all_day, tz=tz, field=f"body.changes[{i}].recurrence_id"
                ),
                "start": None,
                "end": None,
                "status": change.status,
            }
            for key in ("start", "end"):
                raw = getattr(change, key)
                if raw:
                    entry[key] = parse_moment(raw, all_day=all_day, tz=tz, field=f"body.changes[{i}].{key}")
            entry.update(own_of(change))
            changes.append(entry)
    except ScheduleError as exc:
        raise Invalid(exc.field, exc.message) from None
    if changes and not rrule and not rdates:
        raise Invalid("body.changes", "only a recurring event (rrule or rdates) has single occurrences to change")
    place = data.place
    if place and place.district and settings.districts and place.district not in settings.districts:
        raise Invalid("body.place.district", f"unknown district; one of {', '.join(settings.districts)}")
    if (place is None or place.lat is None) != (place is None or place.lon is None):
        raise Invalid("body.place", "give both lat and lon, or neither")
    if data.price_min is not None and data.price_max is not None and data.price_max < data.price_min:
        raise Invalid("body.price_max", "must not be below price_min")
    if data.age_min is not None and data.age_max is not None and data.age_max < data.age_min:
        raise Invalid("body.age_max", "must not be below age_min")
    categories = _check_list(data.categories, settings.categories, "body.categories")

    event.title, event.description = dict(data.title), dict(data.description) if data.description else None
    event.starts_at, event.ends_at, event.all_day, event.time_zone = start, end, all_day, tz.key
    event.rrule, event.rdates, event.exdates, event.changes = rrule, rdates, exdates, changes
    event.status = data.status
    event.attendance_mode = data.attendance_mode
    event.online_url = data.online_url
    event.place_name = place.name if place else None
    event.place_address = place.address if place else None
    event.lat = place.lat if place else None
    event.lon = place.lon if place else None
    event.district = place.district if place else None
    organizer = data.organizer
    event.organizer_name = organizer.name if organizer else None
    event.organizer_url = organizer.url if organizer else None
    event.organizer_email = organizer.email if organizer else None
    event.categories = pack(categories)
    event.tags = list(dict.fromkeys(data.tags))
    event.is_free = (
        data.is_free if data.is_free is not None else (data.price_max == 0 if data.price_max is not None else None)
    )
    event.price_min, event.price_max, event.currency = data.price_min, data.price_max, data.currency
    event.registration_url, event.capacity = data.registration_url, data.capacity
    event.age_min, event.age_max = data.age_min, data.age_max
    event.images = [msgspec.to_builtins(i) for i in data.images]
    event.accessibility = pack(list(dict.fromkeys(data.accessibility)))
    event.search_title = " ".join(data.title.values()).lower()
    event.search_text = " ".join(
        part
        for part in (
            *data.title.values(),
            *(data.description or {}).values(),
            event.place_name,
            event.place_address,
            event.district,
            event.organizer_name,
            *event.tags,
        )
        if part
    ).lower()


async def rebuild_occurrences(session: AsyncSession, event: Event, settings: EventsSettings) -> None:
    """Replaces the event's occurrence rows with a fresh expansion up to the horizon."""
    await bump_version(session)
    now = utcnow()
    horizon = now + dt.timedelta(days=settings.horizon_days)
    await session.execute(delete(Occurrence).where(Occurrence.event_id == event.id))
    expanded = expand(
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        all_day=event.all_day,
        tz=ZoneInfo(event.time_zone),
        rrule=event.rrule,
        rdates=event.rdates,
        exdates=event.exdates,
        changes=event.changes,
        window_start=now - PAST_KEPT,
        window_end=horizon,
        cap=settings.max_occurrences,
    )
    place = {"lat": event.lat, "lon": event.lon, **cells_of(event.lat, event.lon)}
    own = own_columns(event, ZoneInfo(event.time_zone))
    for occ in expanded:
        session.add(
            Occurrence(
                event_id=event.id,
                starts_at=occ.starts_at,
                ends_at=occ.ends_at,
                recurrence_id=occ.recurrence_id,
                status=occ.status or event.status,
                published=event.published,
                duration_class=duration_class(occ.starts_at, occ.ends_at),
                **place,
                **own.get(occ.recurrence_id, {}),
            )
        )
    event.expanded_until = horizon
    await session.flush()


def changed_enough(before: dict[str, Any], event: Event) -> str | None:
    """What residents who marked the event should hear about, or None."""
    if event.status != before["status"] and event.status in NOTIFY_ON:
        return event.status
    if (event.starts_at, event.ends_at, event.rrule) != (before["starts_at"], before["ends_at"], before["rrule"]):
        return "rescheduled"
    if (event.place_name, event.place_address, event.lat, event.lon) != before["place"]:
        return "moved"
    return None


def snapshot(event: Event) -> dict[str, Any]:
    return {
        "status": event.status,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "rrule": event.rrule,
        "place": (event.place_name, event.place_address, event.lat, event.lon),
    }


UPDATE_TEXTS: dict[str, tuple[LocalizedText, str]] = {
    "cancelled": (LocalizedText(de="Abgesagt", en="Cancelled"), "CANCELLED"),
    "postponed": (LocalizedText(de="Verschoben", en="Postponed"), "POSTPONED"),
    "rescheduled": (LocalizedText(de="Neuer Termin", en="New date"), "RESCHEDULED"),
    "moved_online": (LocalizedText(de="Findet jetzt online statt", en="Now online"), "MOVED_ONLINE"),
    "moved": (LocalizedText(de="Neuer Veranstaltungsort", en="New venue"), "MOVED"),
}


async def favourite_devices(session: AsyncSession, event_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(select(Favourite.device_id).where(Favourite.event_id == event_id))
    return list(rows.all())


def labelled(label: LocalizedText, title: LocalizedText, locales: Sequence[str]) -> LocalizedText:
    """``"Abgesagt: <title>"`` in each language of the label, the title in that language if it has
    one, else in the city's order (``locales``); at most 200 characters (a push title)."""
    return {locale: f"{text}: {pick(title, (locale, *locales))}"[:200] for locale, text in label.items()}


async def notify_update(
    push: Any, session: AsyncSession, event: Event, change: str, locales: Sequence[str] = ()
) -> uuid.UUID | None:
    """One outbox row addressed to the devices that marked the event (none marked: nothing)."""
    devices = await favourite_devices(session, event.id)
    if not devices:
        return None
    label, code = UPDATE_TEXTS[change]
    title = labelled(label, event.title, locales)
    body = LocalizedText(
        de="Eine Veranstaltung auf Ihrer Merkliste hat sich geändert.",
        en="An event on your list has changed.",
    )
    result: uuid.UUID = await push.notify(
        Notification(
            topic=TOPIC_UPDATES,
            title=title,
            body=body,
            deep_link=f"stadtkern://events/{event.id}",
            data={"event_id": str(event.id), "change": code},
            priority="high" if change == "cancelled" else "normal",
            collapse_key=f"events-{event.id}"[:64],
            audience=Audience(device_ids=tuple(devices)),
        ),
        session=session,
    )
    return result


async def schedule_reminders(
    session: AsyncSession, event: Event, *, device_id: uuid.UUID | None = None, now: dt.datetime | None = None
) -> None:
    """(Re)plans the next pending reminder of each favourite of ``event`` that asked for one."""
    now = now or utcnow()
    stmt = delete(Reminder).where(Reminder.event_id == event.id, Reminder.state == REMINDER_PENDING)
    fav_stmt = select(Favourite).where(Favourite.event_id == event.id, Favourite.remind_minutes.is_not(None))
    if device_id is not None:
        stmt = stmt.where(Reminder.device_id == device_id)
        fav_stmt = fav_stmt.where(Favourite.device_id == device_id)
    await session.execute(stmt)
    if not event.published or event.status == "cancelled":
        return
    favourites = list((await session.scalars(fav_stmt)).all())
    if not favourites:
        return
    starts = list(
        (
            await session.scalars(
                select(Occurrence.starts_at)
                .where(Occurrence.event_id == event.id, Occurrence.status != "cancelled", Occurrence.starts_at > now)
                .order_by(Occurrence.starts_at)
                .limit(50)
            )
        ).all()
    )
    rows = await session.execute(
        select(Reminder.device_id, Reminder.occurrence_start).where(
            Reminder.event_id == event.id, Reminder.state != REMINDER_PENDING
        )
    )
    sent = {(device_id, start) for device_id, start in rows}
    for fav in favourites:
        lead = dt.timedelta(minutes=fav.remind_minutes or 0)
        for start in starts:
            if start - lead > now and (fav.device_id, start) not in sent:
                session.add(
                    Reminder(
                        device_id=fav.device_id,
                        event_id=event.id,
                        occurrence_start=start,
                        due_at=start - lead,
                        state=REMINDER_PENDING,
                    )
                )
                break
    await session.flush()


async def remove_event(session: AsyncSession, event: Event) -> None:
    """Deletes the event (occurrences, favourites and reminders go with it) and leaves a tombstone."""
    await bump_version(session)
    await record_deletion(session, RESOURCE, event.id)
    await session.delete(event)
    await session.flush()


async def save_event(
    session: AsyncSession,
    push: Any,
    event: Event,
    data: EventIn,
    settings: EventsSettings,
    city_tz: ZoneInfo,
    *,
    is_new: bool,
    locales: Sequence[str] = (),
) -> str | None:
    """Create or update; returns the change favourites were told about (if any). ``locales``: the
    city's, for the language fallback of the update push (the texts themselves: ``check_texts``)."""
    await bump_version(session)  # first: see stadtkern_events.cache
    before = None if is_new else snapshot(event)
    was_published = event.published if not is_new else False
    apply_input(event, data, settings, city_tz)
    if is_new:
        event.published = data.published
        event.published_at = utcnow() if data.published else None
        event.expanded_until = utcnow()
        session.add(event)
    elif data.published != was_published:
        await set_published(session, event, data.published)
    await session.flush()
    await rebuild_occurrences(session, event, settings)
    change = None
    if before is not None:
        change = changed_enough(before, event)
        if change and event.published:
            await notify_update(push, session, event, change, locales)
    await schedule_reminders(session, event)
    return change


async def set_published(session: AsyncSession, event: Event, published: bool) -> None:
    if event.published == published:
        return
    await bump_version(session)
    event.published = published
    if published:
        event.published_at = utcnow()
    else:  # gone from the residents' view: their delta sync must drop it
        await record_deletion(session, RESOURCE, event.id)
    event.updated_at = utcnow()
    await session.flush()
    occurrences = await session.scalars(select(Occurrence).where(Occurrence.event_id == event.id))
    for occ in occurrences:
        occ.published = published
    await session.flush()


# A bulk change of at least this many events refreshes the planner's statistics at once. After a
# load of thousands of rows the planner guessed 7 rows and sorted 17,202 occurrences (57 ms a page
# instead of 1 ms) until autovacuum, which may be off or late, got round to it.
ANALYZE_AFTER = 100


async def refresh_statistics(session: AsyncSession, changed: int) -> bool:
    """``ANALYZE`` the events tables when ``changed`` events were written in bulk; True if it ran.

    In the writing transaction (PostgreSQL and SQLite both allow it): the statistics then cover
    the new rows from the moment they are visible."""
    if changed < ANALYZE_AFTER:
        return False
    for table in ("events_event", "events_occurrence"):
        await session.execute(text(f"ANALYZE {table}"))
    return True
