"""iCalendar feeds of a city: fetched, parsed per VEVENT, upserted by UID, removals detected."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
import icalendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Invalid
from schemas import LocalizedText
from stadtkern_events.models import STATUSES, Event
from stadtkern_events.schemas import ChangeIn, EventIn, PlaceIn
from stadtkern_events.services import remove_event, save_event
from stadtkern_events.settings import EventsSettings, FeedConfig

MAX_FEED_BYTES = 10 * 1024 * 1024
STATUS_FROM_ICAL = {"CANCELLED": "cancelled", "TENTATIVE": "scheduled", "CONFIRMED": "scheduled"}


class FeedError(Exception):
    pass


@dataclass
class FeedResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)


async def fetch(url: str, seconds: float) -> bytes:
    try:
        async with httpx.AsyncClient(timeout=seconds, follow_redirects=True) as client:
            response = await client.get(url, headers={"Accept": "text/calendar"})
    except httpx.HTTPError as exc:
        raise FeedError(f"unreachable: {type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        raise FeedError(f"HTTP {response.status_code}")
    if len(response.content) > MAX_FEED_BYTES:
        raise FeedError("larger than 10 MB")
    return response.content


def _iso(value: Any, tz: ZoneInfo) -> str:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).isoformat()
    return str(value.isoformat())


def _moments(component: icalendar.Event, name: str, tz: ZoneInfo) -> list[str]:
    raw = component.get(name)
    if raw is None:
        return []
    out: list[str] = []
    for prop in raw if isinstance(raw, list) else [raw]:
        out.extend(_iso(d.dt, tz) for d in prop.dts)
    return out


def _zone_of(value: Any, default: ZoneInfo) -> ZoneInfo:
    tzinfo = getattr(value, "tzinfo", None)
    key = getattr(tzinfo, "key", None)
    if isinstance(key, str):
        try:
            return ZoneInfo(key)
        except (ValueError, KeyError):
            return default
    return default


def _text(component: icalendar.Event, name: str) -> str | None:
    value = component.get(name)
    return str(value).strip() or None if value is not None else None


def to_event_in(master: icalendar.Event, overrides: list[icalendar.Event], feed: FeedConfig, city: ZoneInfo) -> EventIn:
    """One VEVENT (and its changed occurrences) as the staff API's input; raises on what it cannot read."""
    start = master.decoded("DTSTART")
    end = master.decoded("DTEND") if "DTEND" in master else None
    if end is None and "DURATION" in master:
        end = start + master.decoded("DURATION")
    tz = _zone_of(start, city)
    all_day = not isinstance(start, dt.datetime)
    title = _text(master, "SUMMARY")
    if not title:
        raise ValueError("no SUMMARY")
    description = _text(master, "DESCRIPTION")
    status = STATUS_FROM_ICAL.get(str(master.get("STATUS", "CONFIRMED")).upper(), "scheduled")
    geo = master.get("GEO")
    location = _text(master, "LOCATION")
    place = None
    if location or geo is not None or feed.district:
        place = PlaceIn(
            name=location[:200] if location else None,
            lat=float(geo.latitude) if geo is not None else None,
            lon=float(geo.longitude) if geo is not None else None,
            district=feed.district,
        )
    rrule = master.get("RRULE")
    changes = []
    for override in overrides:
        rid = override.decoded("RECURRENCE-ID")
        ostatus = STATUS_FROM_ICAL.get(str(override.get("STATUS", "")).upper())
        changes.append(
            ChangeIn(
                recurrence_id=_iso(rid, tz),
                start=_iso(override.decoded("DTSTART"), tz) if "DTSTART" in override else None,
                end=_iso(override.decoded("DTEND"), tz) if "DTEND" in override else None,
                status=ostatus if ostatus in STATUSES and ostatus != "scheduled" else None,  # type: ignore[arg-type]
            )
        )
    url = _text(master, "URL")
    common: dict[str, Any] = {
        "title": LocalizedText(de=title[:300]),
        "description": LocalizedText(de=description) if description else None,
        "time_zone": tz.key,
        "rrule": rrule.to_ical().decode() if rrule is not None else None,
        "rdates": _moments(master, "RDATE", tz),
        "exdates": _moments(master, "EXDATE", tz),
        "changes": changes,
        "status": status,
        "place": place,
        "categories": list(feed.categories),
        "registration_url": url if url and url.startswith(("http://", "https://")) and len(url) <= 500 else None,
        "published": feed.publish,
    }
    if all_day:
        return EventIn(start_date=start, end_date=end if end else None, **common)
    return EventIn(start=start, end=end, **common)


def parse(data: bytes) -> tuple[dict[str, tuple[icalendar.Event, list[icalendar.Event], str]], list[str]]:
    """UID -> (master VEVENT, changed occurrences, content hash); and what had to be skipped."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise FeedError(f"not an iCalendar file: {exc}") from None
    masters: dict[str, icalendar.Event] = {}
    overrides: dict[str, list[icalendar.Event]] = defaultdict(list)
    skipped: list[str] = []
    for found in calendar.walk("VEVENT"):
        component = cast(icalendar.Event, found)
        uid = str(component.get("UID", "")).strip()
        if not uid or "DTSTART" not in component or getattr(component, "errors", None):
            skipped.append(uid or "(no UID)")
            continue
        if "RECURRENCE-ID" in component:
            overrides[uid].append(component)
        else:
            masters[uid] = component
    result = {}
    for uid, master in masters.items():
        blob = master.to_ical() + b"".join(o.to_ical() for o in overrides.get(uid, []))
        result[uid] = (master, overrides.get(uid, []), hashlib.sha256(blob).hexdigest())
    return result, skipped


async def sync_feed(
    session: AsyncSession,
    push: Any,
    city: ZoneInfo,
    settings: EventsSettings,
    feed: FeedConfig,
    data: bytes,
    log: logging.Logger,
) -> FeedResult:
    """Applies one fetched feed: new UIDs created, changed ones updated, missing ones removed."""
    parsed, skipped = parse(data)
    result = FeedResult(skipped=skipped)
    existing = {
        str(e.source_uid): e for e in (await session.scalars(select(Event).where(Event.source_feed == feed.id))).all()
    }
    for uid, (master, changes, digest) in parsed.items():
        event = existing.get(uid)
        if event is not None and event.source_hash == digest:
            result.unchanged += 1
            continue
        try:
            data_in = to_event_in(master, changes, feed, city)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("feed %s: skipping %s: %s", feed.id, uid, exc)
            result.skipped.append(uid)
            continue
        is_new = event is None
        if event is None:
            event = Event(source_feed=feed.id, source_uid=uid[:300])
        try:
            async with session.begin_nested():
                await save_event(session, push, event, data_in, settings, city, is_new=is_new)
        except Invalid as exc:
            log.warning("feed %s: skipping %s: %s", feed.id, uid, exc.extra)
            result.skipped.append(uid)
            continue
        event.source_hash = digest
        if is_new:
            result.created += 1
        else:
            result.updated += 1
    for uid, event in existing.items():
        if uid not in parsed and uid not in result.skipped:
            await remove_event(session, event)
            result.removed += 1
    await session.flush()
    return result
