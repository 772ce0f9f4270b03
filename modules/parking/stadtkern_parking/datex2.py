"""DATEX II v2 parking publications as the German Mobilithek profiles them, read as a stream.

Both flavours arrive inside a ``GenericPublication``: the 2.3 one (``parkingTablePublication`` with
``parkingRecord``s, ``parkingStatusPublication`` with ``parkingRecordStatus``) and the older MDM
one (``parkingFacilityTablePublication`` with ``parkingFacility``s,
``parkingFacilityTableStatusPublication`` with ``parkingFacilityStatus``). lxml's ``iterparse``
hands over one record element at a time, which is cleared after use, so a large table never sits
in memory as a tree. A delivery without ``payloadPublication`` is the empty delivery: no records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from zoneinfo import ZoneInfo

from lxml import etree

from stadtkern_parking.records import Report, StaticRecord, StatusRecord
from stadtkern_parking.settings import FacilityStatus

STATIC_TAGS = frozenset({"parkingRecord", "parkingFacility"})
STATUS_TAGS = frozenset({"parkingRecordStatus", "parkingFacilityStatus"})
# Where records sit: the MDM status record ``parkingFacilityStatus`` holds an element of the same
# name (its status word), so a record is known by its container, not by its name alone.
CONTAINERS = frozenset(
    {"parkingTable", "parkingFacilityTable", "parkingStatusPublication", "parkingFacilityTableStatusPublication"}
)
LAYOUT_KINDS = {
    "multiStorey": "car_park",
    "multiLevel": "car_park",
    "underground": "underground",
    "singleLevel": "surface",
    "openSpace": "surface",
    "covered": "surface",
    "nested": "car_park",
    "field": "surface",
}
OPENING: dict[str, FacilityStatus] = {
    "open": "open",
    "closed": "closed",
    "closedAbnormal": "closed",
    "unknown": "unknown",
}
SITE_STATUS: dict[str, FacilityStatus] = {
    "spacesAvailable": "open",
    "almostFull": "open",
    "full": "open",
    "fullAtEntrance": "open",
    "noParkingAllowed": "closed",
    "closed": "closed",
    "open": "open",
}
PERSON_CAPACITY = {"disabled": "capacity_disabled", "women": "capacity_woman", "families": "capacity_family"}


class NotDatex2(ValueError):
    """The body is not a DATEX II d2LogicalModel (an HTML error page, a broken download)."""


@dataclass
class Datex2Delivery:
    """One parsed delivery: its records, and whether it was the empty delivery."""

    static: list[StaticRecord] = field(default_factory=list)
    status: list[StatusRecord] = field(default_factory=list)
    empty: bool = True
    publication: str | None = None


def _local(el: Any) -> str:
    return str(etree.QName(el).localname)


def _text(el: Any, path: str) -> str | None:
    found = el.find(path)
    if found is None or found.text is None:
        return None
    value = str(found.text).strip()
    return value or None


def _number(el: Any, path: str, notes: list[str]) -> float | None:
    raw = _text(el, path)
    if raw is None:
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        notes.append(f"{path.rsplit('}', 1)[-1]}_unreadable: {raw[:40]!r} ignored")
        return None


def _int(el: Any, path: str, notes: list[str]) -> int | None:
    value = _number(el, path, notes)
    return None if value is None else round(value)


def moment(raw: str | None, tz: ZoneInfo) -> dt.datetime | None:
    """ISO 8601 as feeds write it (``Z``, 7 fractional digits, no offset: the city's time)."""
    if not raw:
        return None
    parsed = dt.datetime.fromisoformat(raw)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).astimezone(dt.UTC)


def reference_id(raw: str) -> str:
    """Mobilithek status records name facilities ``1035[P+R Bondorf]``; the table says ``1035``."""
    return raw.split("[", 1)[0].strip()


def _name(el: Any) -> str | None:
    for path in ("{*}parkingName/{*}values/{*}value", "{*}parkingFacilityName/{*}values/{*}value"):
        name = _text(el, path)
        if name:
            return name
    return None


def _point(el: Any, notes: list[str]) -> tuple[float | None, float | None]:
    for base in (".//{*}pointCoordinates", ".//{*}locationForDisplay"):
        found = el.find(base)
        if found is not None:
            lat, lon = _number(found, "{*}latitude", notes), _number(found, "{*}longitude", notes)
            if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
                return lat, lon
            notes.append(f"position_invalid: {lat}, {lon} ignored")
    return None, None


def _assigned(el: Any, fields: dict[str, Any], notes: list[str]) -> None:
    for spaces in el.iterfind(".//{*}assignedParkingSpaces/{*}assignedParkingSpaces"):
        count = _int(spaces, "{*}numberOfAssignedParkingSpaces", notes)
        if count is None or count < 0:
            continue
        person = _text(spaces, ".//{*}personTypeForWhichSpacesAssigned")
        if person in PERSON_CAPACITY:
            fields[PERSON_CAPACITY[person]] = count
        if _text(spaces, ".//{*}fuelType") in ("battery", "electricity"):
            fields["capacity_charging"] = count
        if _text(spaces, ".//{*}vehicleType") in ("bus", "minibus"):
            fields["capacity_bus"] = count


def static_record(el: Any, source_id: str, default_kind: str) -> StaticRecord:
    """A ``parkingRecord`` (2.3) or ``parkingFacility`` (MDM) as our facility's fields."""
    notes: list[str] = []
    name = _name(el)
    capacity = _int(el, "{*}parkingNumberOfSpaces", notes)
    if capacity is None:
        capacity = _int(el, "{*}totalParkingCapacity", notes)
    lat, lon = _point(el, notes)
    layout = _text(el, "{*}parkingLayout") or _text(el, "{*}parkingFacilityLayout")
    kind = LAYOUT_KINDS.get(layout or "", default_kind)
    if _text(el, "{*}urbanParkingSiteType") == "onStreetParking":
        kind = "on_street"
    fields: dict[str, Any] = {
        "name": (name or source_id)[:200],
        "kind": kind,
        "lat": lat,
        "lon": lon,
        "capacity": capacity if capacity is None or capacity >= 0 else None,
    }
    if name and name.upper().startswith(("P+R", "P&R", "P + R")):
        fields["park_and_ride"] = True
    description = _text(el, "{*}parkingDescription/{*}values/{*}value")
    if description:
        fields["description"] = {"de": description[:2000]}
    _assigned(el, fields, notes)
    if name is None:
        notes.append("name_missing: the record id used")
    if capacity is None:
        notes.append("capacity_missing: no total given")
    raw = {"id": source_id, "name": name, "capacity": capacity, "layout": layout, "lat": lat, "lon": lon}
    return StaticRecord(source_id=source_id, fields=fields, raw=raw, warnings=notes)


def _occupancy(value: float | None, notes: list[str]) -> float | None:
    """DATEX II's ``Percentage`` is 0..100, yet some feeds send a fraction: above 1 is a percentage."""
    if value is None:
        return None
    if value < 0 or value > 100:
        notes.append(f"occupancy_out_of_range: {value} ignored")
        return None
    return value / 100 if value > 1 else value


def _status(el: Any) -> FacilityStatus:
    opening = _text(el, "{*}parkingSiteOpeningStatus") or _text(el, "{*}parkingFacilityOpeningStatus")
    if opening in OPENING and opening != "unknown":
        return OPENING[opening]
    site = _text(el, "{*}parkingSiteStatus") or _text(el, "{*}parkingFacilityStatus")
    return SITE_STATUS.get(site or "", "unknown")


def status_record(el: Any, source_id: str, tz: ZoneInfo) -> StatusRecord:
    """A ``parkingRecordStatus`` (2.3) or ``parkingFacilityStatus`` (MDM) as live numbers."""
    notes: list[str] = []
    occ = el.find("{*}parkingOccupancy")
    if occ is not None:  # 2.3: the numbers sit in parkingOccupancy
        free = _int(occ, "{*}parkingNumberOfVacantSpaces", notes)
        occupied = _int(occ, "{*}parkingNumberOfOccupiedSpaces", notes)
        capacity = _int(occ, "{*}parkingNumberOfSpacesOverride", notes)
        share = _occupancy(_number(occ, "{*}parkingOccupancy", notes), notes)
        when = _text(el, "{*}parkingStatusOriginTime")
    else:
        free = _int(el, "{*}totalNumberOfVacantParkingSpaces", notes)
        occupied = _int(el, "{*}totalNumberOfOccupiedParkingSpaces", notes)
        capacity = _int(el, "{*}totalParkingCapacityOverride", notes)
        share = _occupancy(_number(el, "{*}parkingFacilityOccupancy", notes), notes)
        when = _text(el, "{*}parkingFacilityStatusTime")
    status = _status(el)
    if capacity == 0 and not free and not occupied:
        # Aachen: closed sites send 0 of 0 spaces; that is "no numbers", not "no spaces".
        capacity = free = occupied = share = None
    observed: dt.datetime | None = None
    try:
        observed = moment(when, tz)
    except ValueError:
        notes.append(f"observed_at_unreadable: {when!r}")
    return StatusRecord(
        source_id=source_id,
        observed_at=observed,
        free=free,
        occupied=occupied,
        capacity=capacity,
        occupancy=share,
        status=status,
        notes=notes,
    )


def _record_id(el: Any) -> str | None:
    tag = _local(el)
    if tag in STATIC_TAGS:
        raw = el.get("id")
    else:
        ref = el.find("{*}parkingRecordReference")
        if ref is None:
            ref = el.find("{*}parkingFacilityReference")
        raw = ref.get("id") if ref is not None else None
    return reference_id(raw) if raw else None


WANTED = tuple(
    f"{{*}}{tag}"
    for tag in (*STATIC_TAGS, *STATUS_TAGS, "genericPublicationName", "d2LogicalModel", "payloadPublication")
)


def iter_records(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """(event, element) of the elements that matter, cleared once the caller is done with them.

    lxml filters the tags in C (``tag=``), so Python sees a few events per record, not one per
    element; the root and the publication are reported at their start (the empty delivery has
    no ``payloadPublication``), the records at their end, complete.
    """
    context = etree.iterparse(
        stream,
        events=("start", "end"),
        tag=WANTED,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
    )
    for event, el in context:
        tag = _local(el)
        if event == "start":
            if tag in ("d2LogicalModel", "payloadPublication"):
                yield event, el
            continue
        parent = el.getparent()
        is_record = (tag in STATIC_TAGS or tag in STATUS_TAGS) and parent is not None and _local(parent) in CONTAINERS
        if is_record or tag == "genericPublicationName":
            yield event, el
            el.clear(keep_tail=False)
            while el.getprevious() is not None:
                del parent[0]


def parse(stream: IO[bytes], tz: ZoneInfo, report: Report, default_kind: str = "car_park") -> Datex2Delivery:
    """Every record of a delivery; a record that cannot be read is rejected into ``report``."""
    delivery = Datex2Delivery()
    seen_root = False
    try:
        for event, el in iter_records(stream):
            tag = _local(el)
            if event == "start":
                seen_root = seen_root or tag == "d2LogicalModel"
                delivery.empty = delivery.empty and tag != "payloadPublication"
                continue
            if tag == "genericPublicationName":
                delivery.publication = (el.text or "").strip()[:80] or None
                continue
            record_id = _record_id(el)
            if not record_id:
                report.reject("(no id)", "id", f"{tag} without an id")
                continue
            if tag in STATIC_TAGS:
                delivery.static.append(static_record(el, record_id[:200], default_kind))
            else:
                delivery.status.append(status_record(el, record_id[:200], tz))
    except etree.XMLSyntaxError as exc:
        if not seen_root:
            raise NotDatex2(f"not XML: {exc}") from None
        raise NotDatex2(f"broken XML after {len(delivery.static) + len(delivery.status)} records: {exc}") from None
    if not seen_root:
        raise NotDatex2("no d2LogicalModel")
    return delivery
