"""Our data in the field's formats: ParkAPI v3 JSON, NGSI-LD key-values, DATEX II v2.3 (table + status).

The internal model follows ParkAPI v3 and DATEX II, so each export is a view. The DATEX II pair
is the Mobilithek 2.3 flavour our importer reads, so importing our export gives the same state.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from lxml import etree

from stadtkern_parking.models import Facility, FacilityState

NS = "http://datex2.eu/schema/2/2_0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PARKAPI_TYPES = {
    "car_park": "CAR_PARK",
    "underground": "UNDERGROUND",
    "surface": "OFF_STREET_PARKING_GROUND",
    "on_street": "ON_STREET",
    "bike": "OTHER",
    "other": "OTHER",
}
LAYOUTS = {"car_park": "multiStorey", "underground": "underground", "surface": "singleLevel"}
NGSI_CONTEXT = [
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld",
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld",
]
Pair = tuple[Facility, FacilityState | None]


def parkapi_id(facility_id: uuid.UUID) -> int:
    """A stable integer id for ParkAPI clients: the UUIDv7's random low 53 bits (exact in JavaScript).

    Not the high bits: those are the creation time, equal for facilities created in one millisecond.
    """
    return facility_id.int & ((1 << 53) - 1)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def parkapi_site(facility: Facility, state: FacilityState | None, closed: bool) -> dict[str, Any]:
    """One ParkAPI v3 ``ParkingSite`` (``GET /api/public/v3/parking-sites`` item)."""
    status = "CLOSED" if closed else {"open": "OPEN", "closed": "CLOSED"}.get(state.status if state else "", "UNKNOWN")
    return {
        "id": parkapi_id(facility.id),
        "original_uid": facility.source_id,
        "source_id": facility.source,
        "name": facility.name,
        "operator_name": facility.operator_name,
        "public_url": facility.public_url,
        "address": facility.address,
        "description": (facility.description or {}).get("de"),
        "type": PARKAPI_TYPES.get(facility.kind, "OTHER"),
        "park_and_ride_type": ["YES"] if facility.park_and_ride else [],
        "max_height": facility.max_height_cm,
        "has_fee": facility.has_fee,
        "fee_description": (facility.fees or {}).get("de"),
        "opening_hours": facility.opening_hours,
        "lat": f"{facility.lat:.7f}" if facility.lat is not None else None,
        "lon": f"{facility.lon:.7f}" if facility.lon is not None else None,
        "capacity": facility.capacity,
        "capacity_disabled": facility.capacity_disabled,
        "capacity_woman": facility.capacity_woman,
        "capacity_family": facility.capacity_family,
        "capacity_charging": facility.capacity_charging,
        "capacity_bus": facility.capacity_bus,
        "has_realtime_data": state is not None,
        "realtime_data_updated_at": _iso(state.observed_at) if state else None,
        "realtime_opening_status": status,
        "realtime_capacity": state.capacity if state else None,
        "realtime_free_capacity": state.free if state else None,
        "static_data_updated_at": _iso(facility.updated_at),
        "created_at": _iso(facility.created_at),
        "modified_at": _iso(facility.updated_at),
    }


def ngsi_entity(city: str, facility: Facility, state: FacilityState | None, closed: bool) -> dict[str, Any]:
    """One NGSI-LD key-values ``OffStreetParking`` (``OnStreetParking`` for on-street zones)."""
    kind = "OnStreetParking" if facility.kind == "on_street" else "OffStreetParking"
    entity: dict[str, Any] = {
        "id": f"urn:ngsi-ld:{kind}:{city}:{facility.id}",
        "type": kind,
        "name": facility.name,
        "category": [c for c in (facility.kind, "parkAndRide" if facility.park_and_ride else None) if c],
        "totalSpotNumber": facility.capacity,
        "@context": NGSI_CONTEXT,
    }
    if facility.lat is not None and facility.lon is not None:
        entity["location"] = {"type": "Point", "coordinates": [facility.lon, facility.lat]}
    if facility.address:
        entity["address"] = {"streetAddress": facility.address}
    if state is not None:
        entity["availableSpotNumber"] = state.free
        entity["occupiedSpotNumber"] = state.occupied
        entity["status"] = ["closed"] if closed or state.status == "closed" else [state.status]
        entity["observationDateTime"] = _iso(state.observed_at)
        if state.capacity is not None:
            entity["totalSpotNumber"] = state.capacity
    return entity


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    el = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrs)
    if text is not None:
        el.text = text
    return el


def _publication(name: str, now: dt.datetime) -> tuple[Any, Any]:
    root = etree.Element(f"{{{NS}}}d2LogicalModel", nsmap={None: NS, "xsi": XSI}, modelBaseVersion="2")
    payload = _sub(root, "payloadPublication", lang="de")
    payload.set(f"{{{XSI}}}type", "GenericPublication")
    _sub(payload, "publicationTime", _iso(now))
    _sub(payload, "genericPublicationName", name)
    return root, _sub(payload, "genericPublicationExtension")


def datex2_table(pairs: Sequence[Pair], now: dt.datetime) -> bytes:
    """A ``ParkingTablePublication``: names, positions, capacities (record id: our facility id)."""
    root, extension = _publication("ParkingTablePublication", now)
    table = _sub(_sub(extension, "parkingTablePublication"), "parkingTable", id="stadtkern", version="1")
    for facility, _ in pairs:
        record = _sub(table, "parkingRecord", id=str(facility.id), version="1")
        record.set(f"{{{XSI}}}type", "UrbanParkingSite")
        _sub(_sub(_sub(record, "parkingName"), "values"), "value", facility.name, lang="de")
        if facility.capacity is not None:
            _sub(record, "parkingNumberOfSpaces", str(facility.capacity))
        if facility.lat is not None and facility.lon is not None:
            location = _sub(record, "parkingLocation")
            location.set(f"{{{XSI}}}type", "Point")
            coordinates = _sub(_sub(location, "pointByCoordinates"), "pointCoordinates")
            _sub(coordinates, "latitude", repr(facility.lat))
            _sub(coordinates, "longitude", repr(facility.lon))
        if facility.kind in LAYOUTS:
            _sub(record, "parkingLayout", LAYOUTS[facility.kind])
        street = "onStreetParking" if facility.kind == "on_street" else "offStreetParking"
        _sub(record, "urbanParkingSiteType", street)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def datex2_status(pairs: Sequence[Pair], closed: set[uuid.UUID], now: dt.datetime) -> bytes:
    """A ``ParkingStatusPublication`` of every facility with a live state."""
    root, extension = _publication("ParkingStatusPublication", now)
    publication = _sub(extension, "parkingStatusPublication")
    for facility, state in pairs:
        if state is None:
            continue
        status = _sub(publication, "parkingRecordStatus")
        status.set(f"{{{XSI}}}type", "ParkingSiteStatus")
        _sub(status, "parkingRecordReference", id=str(facility.id), targetClass="ParkingRecord", version="1")
        _sub(status, "parkingStatusOriginTime", _iso(state.observed_at))
        occupancy = _sub(status, "parkingOccupancy")
        if state.capacity is not None:
            _sub(occupancy, "parkingNumberOfSpacesOverride", str(state.capacity))
        if state.free is not None:
            _sub(occupancy, "parkingNumberOfVacantSpaces", str(state.free))
        if state.occupied is not None:
            _sub(occupancy, "parkingNumberOfOccupiedSpaces", str(state.occupied))
        word = "closed" if facility.id in closed or state.status == "closed" else state.status
        _sub(status, "parkingSiteOpeningStatus", word)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
