"""FIWARE Smart Data Models ``OffStreetParking``, ``OnStreetParking`` and ``ParkingSpot`` entities.

Accepted shapes: NGSI-v2 key-values and normalized (``{"type": "Number", "value": …,
"metadata": {"timestamp": …}}``), NGSI-LD key-values and normalized (``Property`` /
``GeoProperty`` / ``Relationship`` with ``observedAt``), one entity or a list, or a GeoJSON
``FeatureCollection`` of them. A site entity is a facility with its own numbers; single
``ParkingSpot`` entities are counted per ``refParkingSite`` (free spots of all spots).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import IO, Any
from zoneinfo import ZoneInfo

import msgspec

from stadtkern_parking.records import Parsed, ParseError, Report, StaticRecord, StatusRecord
from stadtkern_parking.settings import FacilityStatus, SourceConfig

SITE_TYPES = frozenset({"OffStreetParking", "OnStreetParking"})
SPOT_STATUS = {"free": "free", "occupied": "occupied", "closed": "closed", "unknown": "unknown"}
SITE_STATUS: dict[str, FacilityStatus] = {
    "open": "open",
    "closed": "closed",
    "full": "open",
    "almostFull": "open",
    "spacesAvailable": "open",
}


def value(attr: Any) -> Any:
    """An attribute's value in any NGSI shape (key-values: the attribute itself)."""
    if isinstance(attr, dict) and ("value" in attr or "object" in attr) and "type" in attr:
        inner = attr.get("value", attr.get("object"))
        if isinstance(inner, dict) and "@value" in inner:
            return inner["@value"]
        return inner
    return attr


def _when(raw: Any) -> dt.datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    # NGSI DateTime is UTC; a missing offset means UTC, not the city's time.
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def observed(entity: dict[str, Any], key: str) -> dt.datetime | None:
    """When the live number was observed: its own time, else the entity's latest time."""
    attr = entity.get(key)
    if isinstance(attr, dict):
        meta = attr.get("metadata", {}).get("timestamp") if isinstance(attr.get("metadata"), dict) else None
        for raw in (attr.get("observedAt"), value(meta) if meta else None):
            if (found := _when(raw)) is not None:
                return found
    for name in ("occupancyModified", "observationDateTime", "dateObserved", "dateModified"):
        if (found := _when(value(entity.get(name)))) is not None:
            return found
    return None


def point(geometry: Any) -> tuple[float | None, float | None]:
    """GeoJSON Point, or the mean corner of a Polygon (on-street zones are polygons)."""
    geometry = value(geometry)
    if not isinstance(geometry, dict):
        return None, None
    coords: Any = geometry.get("coordinates")
    try:
        if geometry.get("type") == "Point":
            lon, lat = float(coords[0]), float(coords[1])
        elif geometry.get("type") == "Polygon":
            ring = coords[0][:-1] or coords[0]
            lon = sum(float(c[0]) for c in ring) / len(ring)
            lat = sum(float(c[1]) for c in ring) / len(ring)
        else:
            return None, None
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None, None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else (None, None)


def _int(raw: Any) -> int | None:
    raw = value(raw)
    return round(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


def _kind(entity: dict[str, Any], default: str) -> str:
    words = set(value(entity.get("category")) or []) | set(value(entity.get("layout")) or [])
    if entity.get("type") == "OnStreetParking" or "onStreet" in words:
        return "on_street"
    if "underground" in words:
        return "underground"
    if words & {"multiLevel", "multiStorey", "multiStory"}:
        return "car_park"
    if words & {"openSpace", "singleLevel", "ground", "surface"}:
        return "surface"
    return default


def _address(entity: dict[str, Any]) -> str | None:
    address = value(entity.get("address"))
    if not isinstance(address, dict):
        return None
    parts = [address.get("streetAddress"), address.get("addressLocality")]
    text = ", ".join(str(p) for p in parts if p)
    return text[:300] or None


def site(entity: dict[str, Any], source: SourceConfig) -> tuple[StaticRecord, StatusRecord]:
    """An ``OffStreetParking``/``OnStreetParking`` entity as a facility and its live numbers."""
    sid = str(entity["id"])[:200]
    lat, lon = point(entity.get("location"))
    name = value(entity.get("name"))
    words = set(value(entity.get("category")) or [])
    fields: dict[str, Any] = {
        "name": str(name)[:200] if name else sid,
        "kind": _kind(entity, source.default_kind),
        "lat": lat,
        "lon": lon,
        "capacity": _int(entity.get("totalSpotNumber")),
        "address": _address(entity),
    }
    if "parkAndRide" in words or "park_and_ride" in words:
        fields["park_and_ride"] = True
    if "free" in words or "free" in (value(entity.get("chargeType")) or []):
        fields["has_fee"] = False
    elif "feeCharged" in words:
        fields["has_fee"] = True
    description = value(entity.get("description"))
    if isinstance(description, str) and description.strip():
        fields["description"] = {"de": description.strip()[:2000]}
    warnings = [] if lat is not None else ["position_missing: no Point or Polygon location"]
    occupancy = value(entity.get("occupancy"))
    share = float(occupancy) if isinstance(occupancy, int | float) and 0 <= occupancy <= 1 else None
    status_words = value(entity.get("status"))
    status_word = status_words[0] if isinstance(status_words, list) and status_words else status_words
    status = StatusRecord(
        source_id=sid,
        observed_at=observed(entity, "availableSpotNumber"),
        free=_int(entity.get("availableSpotNumber")),
        occupied=_int(entity.get("occupiedSpotNumber")),
        capacity=_int(entity.get("totalSpotNumber")),
        occupancy=share,
        status=SITE_STATUS.get(str(status_word), "unknown"),
    )
    return StaticRecord(
        source_id=sid, fields=fields, raw={"id": sid, "type": entity.get("type")}, warnings=warnings
    ), status


def spots(entities: list[dict[str, Any]], source: SourceConfig) -> tuple[list[StaticRecord], list[StatusRecord]]:
    """Single ``ParkingSpot``s counted per parking site: capacity = spots, free = free spots."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entity in entities:
        groups[str(value(entity.get("refParkingSite")) or entity["id"])[:200]].append(entity)
    static, status = [], []
    for sid, members in groups.items():
        points = [p for p in (point(m.get("location")) for m in members) if p[0] is not None]
        lat = sum(p[0] for p in points if p[0] is not None) / len(points) if points else None
        lon = sum(p[1] for p in points if p[1] is not None) / len(points) if points else None
        words = [SPOT_STATUS.get(str(value(m.get("status"))), "unknown") for m in members]
        fields = {"name": sid, "kind": _kind(members[0], "on_street"), "lat": lat, "lon": lon, "capacity": len(members)}
        static.append(StaticRecord(source_id=sid, fields=fields, raw={"id": sid, "spots": len(members)}))
        times = [t for t in (observed(m, "status") for m in members) if t is not None]
        state: FacilityStatus = "closed" if all(w == "closed" for w in words) else "open"
        notes = [f"spots_unknown: {words.count('unknown')} of {len(words)}"] if "unknown" in words else []
        status.append(
            StatusRecord(
                source_id=sid,
                observed_at=max(times) if times else None,
                free=words.count("free"),
                capacity=len(members),
                status=state,
                notes=notes,
            )
        )
    return static, status


def entities_of(document: Any) -> list[Any]:
    """The entities of a body: a list, one entity, or a GeoJSON FeatureCollection."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        return [f.get("properties", {}) | {"location": f.get("geometry")} for f in document.get("features", [])]
    if isinstance(document, dict):
        return [document]
    raise ParseError("not an NGSI entity, a list of entities or a FeatureCollection")


def parse_fiware(body: IO[bytes], source: SourceConfig, tz: ZoneInfo, report: Report) -> Parsed:
    """Every parking entity of an NGSI body; others are rejected with their type named."""
    del tz  # NGSI times carry their zone (or are UTC)
    try:
        document = msgspec.json.decode(body.read())
    except msgspec.DecodeError as exc:
        raise ParseError(f"not JSON: {exc}") from None
    parsed = Parsed(empty=False)
    spot_entities: list[dict[str, Any]] = []
    for entity in entities_of(document):
        if not isinstance(entity, dict) or not entity.get("id"):
            report.reject("(no id)", "id", "an entity without an id")
            continue
        kind = str(entity.get("type", ""))
        if kind in SITE_TYPES:
            facility, state = site(entity, source)
            parsed.static.append(facility)
            parsed.status.append(state)
        elif kind == "ParkingSpot":
            spot_entities.append(entity)
        else:
            report.reject(str(entity["id"]), "type", f"type {kind[:60]!r} is not a parking entity")
    sites = {record.source_id for record in parsed.static}
    if spot_entities:
        static, status = spots(spot_entities, source)
        for record in [r for r in static if r.source_id in sites]:
            # the site came with its own numbers in the same delivery: those count
            report.note(
                record.source_id, "refParkingSite", "spots of a site in this delivery: its numbers used", "accepted"
            )
        static = [r for r in static if r.source_id not in sites]
        status = [r for r in status if r.source_id not in sites]
        parsed.static.extend(static)
        parsed.status.extend(status)
    parsed.empty = not parsed.static
    return parsed
