"""An OCPI 2.2.1 Location object read into a :class:`LocationRecord`."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stadtkern_charging.ocpi import enums
from stadtkern_charging.ocpi.hours import parse_hours
from stadtkern_charging.ocpi.parse import (
    _LOCATION_TYPE,
    LOCATION_FIELDS,
    _business,
    _display_texts,
    _enum,
    _enum_list,
    _objects,
    _unknown,
    parse_evse,
)
from stadtkern_charging.ocpi.records import LocationRecord
from stadtkern_charging.ocpi.values import Rejected, Repairs, parse_coordinate, parse_country, parse_datetime, text

Party = tuple[str, str]


def _party(raw: dict[str, Any], party: Party | None, repairs: Repairs) -> Party:
    """country_code and party_id: required since 2.2; a pushing partner's own are the fallback."""
    country_code, party_id = raw.get("country_code"), raw.get("party_id")
    if isinstance(country_code, str) and isinstance(party_id, str) and country_code and party_id:
        return country_code.upper()[:2], party_id.upper()[:3]
    if party is None:
        raise Rejected("country_code/party_id: missing")
    repairs.repair("country_code/party_id", f"missing, the partner's {party[0]}*{party[1]} taken")
    return party


def _time_zone(value: Any, default: str, repairs: Repairs) -> str:
    if isinstance(value, str):
        try:
            ZoneInfo(value)
            return value
        except (ZoneInfoNotFoundError, ValueError):
            pass
    repairs.repair("time_zone", f"missing or unknown, {default} taken")
    return default


def _parking_type(raw: dict[str, Any], repairs: Repairs) -> str | None:
    parking = _enum(raw.get("parking_type"), enums.PARKING_TYPES, "parking_type", repairs)
    if parking is None and raw.get("parking_type") is not None:
        repairs.repair("parking_type", f"{str(raw['parking_type'])[:40]!r} is no ParkingType, dropped")
    if parking is None and raw.get("type") in _LOCATION_TYPE:
        repairs.repair("type", "OCPI 2.1 LocationType read as parking_type")
        parking = _LOCATION_TYPE[raw["type"]]
    return parking


def parse_location(raw: Any, *, party: Party | None = None, time_zone: str = "Europe/Berlin") -> LocationRecord:
    """A Location with every EVSE that can be kept; raises :class:`Rejected` for one that cannot."""
    if not isinstance(raw, dict):
        raise Rejected("record: not an object")
    repairs = Repairs()
    _unknown(raw, LOCATION_FIELDS | {"type"}, "", repairs)
    country_code, party_id = _party(raw, party, repairs)
    ocpi_id = text(raw.get("id"), "id", 36, repairs, required=True)
    coordinates = raw.get("coordinates")
    if not isinstance(coordinates, dict):
        raise Rejected("coordinates: missing")
    lat = parse_coordinate(coordinates.get("latitude"), "coordinates.latitude", -90, 90, repairs)
    lon = parse_coordinate(coordinates.get("longitude"), "coordinates.longitude", -180, 180, repairs)
    updated = parse_datetime(raw.get("last_updated"), "last_updated", repairs)
    evses = []
    raw_evses = raw.get("evses")
    for i, item in enumerate(raw_evses if isinstance(raw_evses, list) else []):
        try:
            evses.append(parse_evse(item, f"evses[{i}]", updated, repairs))
        except Rejected as exc:
            repairs.repair(f"evses[{i}]", f"rejected: {exc}")
    publish = raw.get("publish")
    if not isinstance(publish, bool):
        repairs.repair("publish", "missing, taken as true")
        publish = True
    return LocationRecord(
        country_code=country_code,
        party_id=party_id,
        ocpi_id=str(ocpi_id),
        publish=publish,
        publish_allowed_to=_objects(raw.get("publish_allowed_to"), "publish_allowed_to", repairs),
        name=text(raw.get("name"), "name", 255, repairs),
        address=text(raw.get("address"), "address", 255, repairs, required=True) or "",
        city=text(raw.get("city"), "city", 100, repairs, required=True) or "",
        postal_code=text(raw.get("postal_code"), "postal_code", 20, repairs),
        state=text(raw.get("state"), "state", 60, repairs),
        country=parse_country(raw.get("country"), "country", repairs),
        lat=lat,
        lon=lon,
        related_locations=_objects(
            raw.get("related_locations"), "related_locations", repairs, ("latitude", "longitude")
        ),
        parking_type=_parking_type(raw, repairs),
        evses=evses,
        directions=_display_texts(raw.get("directions"), "directions", repairs),
        operator=_business(raw.get("operator"), "operator", repairs),
        suboperator=_business(raw.get("suboperator"), "suboperator", repairs),
        owner=_business(raw.get("owner"), "owner", repairs),
        facilities=_enum_list(raw.get("facilities"), enums.FACILITIES, "facilities", repairs),
        time_zone=_time_zone(raw.get("time_zone"), time_zone, repairs),
        opening_times=parse_hours(raw.get("opening_times"), "opening_times", repairs),
        charging_when_closed=raw.get("charging_when_closed")
        if isinstance(raw.get("charging_when_closed"), bool)
        else None,
        images=_objects(raw.get("images"), "images", repairs, ("url", "category")),
        energy_mix=raw.get("energy_mix") if isinstance(raw.get("energy_mix"), dict) else None,
        last_updated=updated,
        raw=raw,
        warnings=repairs.warnings,
        repaired=repairs.repaired,
    )
