"""Reading iCalendar files as cities' programs export them: charsets, UIDs and time zones.

What a file does not say plainly is read the way its program meant it and reported as a
:class:`Note` (``repaired``, ``derived_uid``, ``standalone``, ``skipped``), so that editors see it
in the feed's import report (``GET /feeds``) instead of losing events silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

# The CLDR windowsZones mapping icalendar ships (and keeps up to date): "W. Europe Standard
# Time" -> "Europe/Berlin". Its provenance is in that module's docstring.
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

# "UTC+11", "GMT-3", "UTC+05:00": a fixed offset, as Etc/GMT-11 (the POSIX sign is inverted).
OFFSET_TZID = re.compile(r"^\(?(?:UTC|GMT)\s*([+-])(\d{1,2})(?::?00)?\)?$")


class FeedError(Exception):
    """The whole file or feed could not be used (unreachable, not iCalendar)."""


@dataclass(frozen=True, slots=True)
class Note:
    item: str
    kind: str  # skipped | repaired | derived_uid | standalone | removed
    message: str


@dataclass(slots=True)
class Item:
    """One event of a file: its main VEVENT, its changed occurrences and a content hash."""

    master: icalendar.Event
    overrides: list[icalendar.Event]
    digest: str


@dataclass(slots=True)
class Parsed:
    items: dict[str, Item] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    # UIDs of events that could not be read at all: never removed because of that.
    unreadable: set[str] = field(default_factory=set)


def decode(data: bytes, charset: str | None) -> tuple[str, Note | None]:
    """The file's text: the HTTP charset when given, else UTF-8, else Windows-1252 (reported);
    NUL characters removed (reported): they mean nothing in a calendar, and PostgreSQL refuses them
    in text, which would fail the whole import."""
    text, note = _decoded(data, charset)
    if "\x00" not in text:
        return text, note
    removed = "NUL characters removed"
    return text.replace("\x00", ""), Note("*", "repaired", f"{note.message}; {removed}" if note else removed)


def _decoded(data: bytes, charset: str | None) -> tuple[str, Note | None]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), None
    problem = "no charset declared"
    if charset:
        try:
            return data.decode(charset), None
        except (LookupError, UnicodeDecodeError) as exc:
            problem = f"not readable as the declared charset {charset!r} ({type(exc).__name__})"
    try:
        text = data.decode("utf-8")
        return text, Note("*", "repaired", f"{problem}: read as UTF-8") if charset else None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("windows-1252")
    except UnicodeDecodeError:  # one of its five unassigned bytes
        text = data.decode("iso-8859-1")
    return text, Note("*", "repaired", f"{problem} and not UTF-8: read as windows-1252 (iso-8859-1)")


def zone_for(tzid: str) -> tuple[ZoneInfo | None, str | None]:
    """The IANA zone a TZID means, and a note when it is not an IANA name itself."""
    try:
        return ZoneInfo(tzid), None
    except (ZoneInfoNotFoundError, ValueError):
        pass
    name = WINDOWS_TO_OLSON.get(tzid.strip())
    if name is None and tzid.startswith("/"):  # "/mozilla.org/20050126_1/Europe/Berlin"
        parts = tzid.strip("/").split("/")
        name = next((n for n in ("/".join(parts[i:]) for i in range(1, len(parts))) if _known(n)), None)
    match = OFFSET_TZID.match(tzid.strip())
    if name is None and match and int(match.group(2)) <= 14:
        hours = int(match.group(2))
        name = "Etc/GMT" if hours == 0 else f"Etc/GMT{'-' if match.group(1) == '+' else '+'}{hours}"
    if name is None or not _known(name):
        return None, None
    return ZoneInfo(name), f"TZID {tzid!r} read as {name}"


def _known(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Reader:
    """Reads one event's moments into aware date-times (or dates), noting what it had to guess."""

    def __init__(self, uid: str, city: ZoneInfo) -> None:
        self.uid, self.city = uid, city
        self.notes: list[Note] = []

    def note(self, kind: str, message: str) -> None:
        if all(n.message != message for n in self.notes):
            self.notes.append(Note(self.uid, kind, message))

    def zone(self, tzid: str | None) -> ZoneInfo | None:
        if not tzid:
            return None
        found, message = zone_for(tzid)
        if message:
            self.note("repaired", message)
        return found

    def moment(self, value: Any, tzid: str | None) -> Any:
        """A date stays a date; a date-time becomes aware (its TZID's zone, else the city's)."""
        if not isinstance(value, dt.datetime):
            return value
        zone = self.zone(tzid)
        if zone is not None:
            return value.replace(tzinfo=zone)
        if tzid:  # a TZID nobody knows: the file's VTIMEZONE (when given) fixed the instant
            how = "the file's VTIMEZONE" if value.tzinfo else f"time in {self.city.key}"
            self.note("repaired", f"unknown TZID {tzid!r}: read as {how}, repeats follow {self.city.key}")
            return value.astimezone(self.city) if value.tzinfo else value.replace(tzinfo=self.city)
        return value if value.tzinfo else value.replace(tzinfo=self.city)

    def event_zone(self, component: icalendar.Event) -> ZoneInfo:
        prop: Any = component["DTSTART"]
        zone = self.zone(prop.params.get("TZID"))
        key = getattr(prop.dt, "tzinfo", None) and getattr(prop.dt.tzinfo, "key", None)
        if zone is None and isinstance(key, str) and not prop.params.get("TZID"):
            return ZoneInfo(key)  # "…Z": UTC
        return zone or self.city

    def prop(self, component: icalendar.Event, name: str) -> Any:
        prop = component.get(name)
        return None if prop is None else self.moment(prop.dt, prop.params.get("TZID"))

    def moments(self, component: icalendar.Event, name: str) -> list[Any]:
        """RDATE/EXDATE values; a PERIOD stays a (start, end) pair."""
        raw = component.get(name)
        out: list[Any] = []
        for prop in raw if isinstance(raw, list) else [raw] if raw is not None else []:
            tzid = prop.params.get("TZID")
            for value in prop.dts:
                moment = value.dt
                if isinstance(moment, tuple):
                    start = self.moment(moment[0], tzid)
                    end = moment[1] if isinstance(moment[1], dt.timedelta) else self.moment(moment[1], tzid)
                    out.append((start, start + end if isinstance(end, dt.timedelta) else end))
                else:
                    out.append(self.moment(moment, tzid))
        return out


def _digest(components: list[icalendar.Event]) -> str:
    return hashlib.sha256(b"".join(c.to_ical() for c in components)).hexdigest()


def _derived_uid(component: icalendar.Event) -> str:
    """A stable id for an event without UID: its start, title and place."""
    parts = [component.get(name) for name in ("DTSTART", "SUMMARY", "LOCATION")]
    blob = "|".join(p.to_ical().decode() if hasattr(p, "to_ical") else str(p or "") for p in parts)
    return "derived-" + hashlib.sha256(blob.encode()).hexdigest()[:24]


def parse(data: bytes, charset: str | None = None) -> Parsed:
    """UID -> event; an override without its series becomes an event of its own (reported)."""
    text, charset_note = decode(data, charset)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise FeedError(f"not an iCalendar file: {exc}") from None
    result = Parsed(notes=[charset_note] if charset_note else [])
    masters: dict[str, icalendar.Event] = {}
    overrides: dict[str, list[icalendar.Event]] = defaultdict(list)
    for found in calendar.walk("VEVENT"):
        component = cast(icalendar.Event, found)
        uid = str(component.get("UID", "")).strip()
        if "DTSTART" not in component or getattr(component, "errors", None):
            label = uid or str(component.get("SUMMARY", "(no UID)"))[:80]
            result.notes.append(Note(label, "skipped", "no readable DTSTART"))
            result.unreadable.add(uid)
            continue
        if not uid:
            uid = _derived_uid(component)
            result.notes.append(Note(uid, "derived_uid", "no UID: id derived from DTSTART, SUMMARY and LOCATION"))
        if "RECURRENCE-ID" in component:
            overrides[uid].append(component)
        else:
            masters[uid] = component
    for uid, master in masters.items():
        mine = overrides.pop(uid, [])
        result.items[uid] = Item(master, mine, _digest([master, *mine]))
    for uid, orphans in overrides.items():
        for orphan in orphans:
            rid: Any = orphan["RECURRENCE-ID"]
            key = f"{uid}#{rid.to_ical().decode()}"[:300]
            result.items[key] = Item(orphan, [], _digest([orphan]))
            result.notes.append(Note(key, "standalone", f"series {uid} is not in the file: date imported on its own"))
    return result
