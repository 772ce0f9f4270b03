"""Opendatasoft datasets (Explore API v2.1 ``records`` and ``exports/json``, and the old v1 shape).

Each record is a facility with its live numbers. Which field holds what is a mapping (our field →
the dataset's field): the default is Dortmund's ``parkhauser`` dataset on open-data.dortmund.de
(``name``, ``frei``, ``capacity``, ``parkeinrichtung``, ``zeitstempel``, ``geo_point_2d``);
another city's dataset sets ``mapping`` in its source settings for the fields that differ.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any
from zoneinfo import ZoneInfo

import msgspec

from stadtkern_parking.records import Parsed, ParseError, Report, StaticRecord, StatusRecord
from stadtkern_parking.settings import FacilityStatus, SourceConfig

DORTMUND_MAPPING: dict[str, str] = {
    "id": "name",  # the dataset has no id column; its names are unique and stable
    "name": "name",
    "free": "frei",
    "capacity": "capacity",
    "occupied": "belegt",
    "kind": "parkeinrichtung",
    "observed_at": "zeitstempel",
    "position": "geo_point_2d",
    "status": "status",
    "address": "adresse",
    "opening_hours": "oeffnungszeiten",
}
KIND_WORDS = {
    "tiefgarage": "underground",
    "parkhaus": "car_park",
    "parkdeck": "car_park",
    "parkplatz": "surface",
    "p+r": "surface",
    "fahrrad": "bike",
}
STATUS_WORDS: dict[str, FacilityStatus] = {
    "offen": "open",
    "geöffnet": "open",
    "open": "open",
    "geschlossen": "closed",
    "closed": "closed",
}


def records_of(document: Any) -> list[Any]:
    """v2.1 ``{"results": [...]}``, an export's list, or v1 ``{"records": [{"fields": ...}]}``."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("results"), list):
        return list(document["results"])
    if isinstance(document, dict) and isinstance(document.get("records"), list):
        return [r.get("fields", r) if isinstance(r, dict) else r for r in document["records"]]
    raise ParseError("not Opendatasoft records (no results, records or list)")


def _number(raw: Any) -> int | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        return round(raw)
    try:
        return round(float(str(raw).replace(",", ".")))
    except ValueError:
        return None


def _position(raw: Any) -> tuple[float | None, float | None]:
    try:
        if isinstance(raw, dict):
            lat, lon = float(raw["lat"]), float(raw["lon"])
        elif isinstance(raw, list | tuple) and len(raw) == 2:
            lat, lon = float(raw[0]), float(raw[1])  # v1 and exports: [lat, lon]
        else:
            return None, None
    except (KeyError, TypeError, ValueError):
        return None, None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else (None, None)


def _moment(raw: Any, tz: ZoneInfo) -> dt.datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).astimezone(dt.UTC)


def _kind(raw: Any, default: str) -> str:
    text = str(raw or "").lower()
    return next((kind for word, kind in KIND_WORDS.items() if word in text), default)


def record(
    row: dict[str, Any], mapping: dict[str, str], source: SourceConfig, tz: ZoneInfo
) -> tuple[StaticRecord, StatusRecord]:
    """One dataset record as a facility and its live numbers; raises KeyError without an id."""
    get = {ours: row.get(theirs) for ours, theirs in mapping.items()}
    sid = str(get["id"]).strip()[:200] if get.get("id") not in (None, "") else ""
    if not sid:
        raise KeyError(mapping["id"])
    lat, lon = _position(get.get("position"))
    notes: list[str] = []
    if lat is None:
        notes.append(f"position_missing: no usable {mapping['position']}")
    capacity = _number(get.get("capacity"))
    fields: dict[str, Any] = {
        "name": str(get.get("name") or sid)[:200],
        "kind": _kind(get.get("kind"), source.default_kind),
        "lat": lat,
        "lon": lon,
        "capacity": capacity if capacity is None or capacity >= 0 else None,
    }
    if "p+r" in str(get.get("kind") or "").lower():
        fields["park_and_ride"] = True
    for key, limit in (("address", 300), ("opening_hours", 500)):
        text = get.get(key)
        if isinstance(text, str) and text.strip():
            fields[key] = text.strip()[:limit]
    status_word = STATUS_WORDS.get(str(get.get("status") or "").strip().lower(), "unknown")
    observed = _moment(get.get("observed_at"), tz)
    static = StaticRecord(source_id=sid, fields=fields, raw={k: row.get(v) for k, v in mapping.items()}, warnings=notes)
    status = StatusRecord(
        source_id=sid,
        observed_at=observed,
        free=_number(get.get("free")),
        occupied=_number(get.get("occupied")),
        capacity=capacity,
        status=status_word,
    )
    return static, status


def parse_opendatasoft(body: IO[bytes], source: SourceConfig, tz: ZoneInfo, report: Report) -> Parsed:
    """Every record of a dataset response, mapped with Dortmund's default plus the source's mapping."""
    try:
        document = msgspec.json.decode(body.read())
    except msgspec.DecodeError as exc:
        raise ParseError(f"not JSON: {exc}") from None
    mapping = {**DORTMUND_MAPPING, **source.mapping}
    parsed = Parsed()
    for row in records_of(document):
        if not isinstance(row, dict):
            report.reject("(record)", "record", "not an object")
            continue
        try:
            static, status = record(row, mapping, source, tz)
        except KeyError as exc:
            report.reject("(no id)", str(exc.args[0]), "the id field is empty or missing")
            continue
        parsed.static.append(static)
        parsed.status.append(status)
    parsed.empty = not parsed.static
    return parsed
