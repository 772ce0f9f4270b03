"""OCPI 2.2.1 Location, EVSE and Connector objects read into records, repairing what real operators get wrong.

A record that cannot be kept raises :class:`Rejected` naming the field; every change made to fit the
spec is a warning on the record (and counts it as repaired in the source's report)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from stadtkern_charging.ocpi import enums
from stadtkern_charging.ocpi.records import ConnectorRecord, EvseRecord
from stadtkern_charging.ocpi.values import (
    Rejected,
    Repairs,
    integer,
    parse_coordinate,
    parse_datetime,
    text,
)

LOCATION_FIELDS = frozenset(
    [
        "country_code",
        "party_id",
        "id",
        "publish",
        "publish_allowed_to",
        "name",
        "address",
        "city",
        "postal_code",
        "state",
        "country",
        "coordinates",
        "related_locations",
        "parking_type",
        "evses",
        "directions",
        "operator",
        "suboperator",
        "owner",
        "facilities",
        "time_zone",
        "opening_times",
        "charging_when_closed",
        "images",
        "energy_mix",
        "last_updated",
    ]
)
EVSE_FIELDS = frozenset(
    [
        "uid",
        "evse_id",
        "status",
        "status_schedule",
        "capabilities",
        "connectors",
        "floor_level",
        "coordinates",
        "physical_reference",
        "directions",
        "parking_restrictions",
        "images",
        "last_updated",
    ]
)
CONNECTOR_FIELDS = frozenset(
    [
        "id",
        "standard",
        "format",
        "power_type",
        "max_voltage",
        "max_amperage",
        "max_electric_power",
        "tariff_ids",
        "terms_and_conditions",
        "last_updated",
    ]
)
# Plug names operators send instead of OCPI's ConnectorType.
_STANDARD_ALIASES = {
    "TYPE2": "IEC_62196_T2",
    "TYPE_2": "IEC_62196_T2",
    "T2": "IEC_62196_T2",
    "MENNEKES": "IEC_62196_T2",
    "TYPE1": "IEC_62196_T1",
    "TYPE_1": "IEC_62196_T1",
    "CCS": "IEC_62196_T2_COMBO",
    "CCS2": "IEC_62196_T2_COMBO",
    "COMBO2": "IEC_62196_T2_COMBO",
    "CCS1": "IEC_62196_T1_COMBO",
    "SCHUKO": "DOMESTIC_F",
}
# OCPI 2.1.1's LocationType, which 2.2 replaced by parking_type.
_LOCATION_TYPE = {t: t for t in ("ON_STREET", "PARKING_GARAGE", "UNDERGROUND_GARAGE", "PARKING_LOT")}


def _unknown(raw: dict[str, Any], known: frozenset[str], field: str, repairs: Repairs) -> None:
    extra = sorted(k for k in raw if k not in known)
    if extra:
        repairs.note(field or "record", f"fields not in OCPI 2.2.1 ignored: {', '.join(extra)[:200]}")


def _enum(value: Any, allowed: tuple[str, ...], field: str, repairs: Repairs) -> str | None:
    if not isinstance(value, str):
        return None
    if value in allowed:
        return value
    for option in allowed:
        if option.casefold() == value.strip().casefold():
            repairs.repair(field, f"{value!r} read as {option}")
            return option
    return None


def _enum_list(value: Any, allowed: tuple[str, ...], field: str, repairs: Repairs) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        repairs.repair(field, "not a list, dropped")
        return []
    kept = []
    for i, item in enumerate(value):
        option = _enum(item, allowed, f"{field}[{i}]", repairs)
        if option is None:
            repairs.repair(f"{field}[{i}]", f"unknown value {str(item)[:40]!r} dropped")
        elif option not in kept:
            kept.append(option)
    return kept


def _display_texts(value: Any, field: str, repairs: Repairs) -> list[dict[str, str]]:
    if value is None:
        return []
    if isinstance(value, str):
        repairs.repair(field, "a string instead of DisplayText, taken as English")
        value = [{"language": "en", "text": value}]
    if not isinstance(value, list):
        repairs.repair(field, "not a list, dropped")
        return []
    texts = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("text"), str) and isinstance(item.get("language"), str):
            texts.append({"language": item["language"][:2], "text": item["text"][:512]})
        else:
            repairs.repair(f"{field}[{i}]", "not a DisplayText, dropped")
    return texts


def _objects(value: Any, field: str, repairs: Repairs, required: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """A list of small objects kept as sent (images, related locations, publish tokens)."""
    if value is None:
        return []
    if not isinstance(value, list):
        repairs.repair(field, "not a list, dropped")
        return []
    kept = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and all(item.get(k) not in (None, "") for k in required):
            kept.append(item)
        else:
            repairs.repair(f"{field}[{i}]", f"needs {', '.join(required) or 'an object'}, dropped")
    return kept


def _business(value: Any, field: str, repairs: Repairs) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        repairs.repair(field, "a name instead of BusinessDetails")
        value = {"name": value}
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"].strip():
        repairs.repair(field, "BusinessDetails without a name, dropped")
        return None
    details: dict[str, Any] = {"name": value["name"].strip()[:100]}
    if isinstance(value.get("website"), str):
        details["website"] = value["website"][:255]
    if isinstance(value.get("logo"), dict) and value["logo"].get("url"):
        details["logo"] = value["logo"]
    return details


def parse_connector(raw: Any, field: str, fallback_updated: dt.datetime, repairs: Repairs) -> ConnectorRecord:
    """An OCPI Connector; a missing required field rejects it (its EVSE may keep others)."""
    if not isinstance(raw, dict):
        raise Rejected(f"{field}: not an object")
    _unknown(raw, CONNECTOR_FIELDS | {"tariff_id"}, field, repairs)
    connector_id = text(raw.get("id"), f"{field}.id", 36, repairs, required=True)
    standard = _enum(raw.get("standard"), enums.CONNECTOR_TYPES, f"{field}.standard", repairs)
    if standard is None and isinstance(raw.get("standard"), str):
        standard = _STANDARD_ALIASES.get(re.sub(r"[\s-]", "", raw["standard"]).upper())
        if standard:
            repairs.repair(f"{field}.standard", f"{raw['standard'][:40]!r} read as {standard}")
    if standard is None:
        raise Rejected(f"{field}.standard: missing or not a ConnectorType ({str(raw.get('standard'))[:40]!r})")
    fmt = _enum(raw.get("format"), enums.CONNECTOR_FORMATS, f"{field}.format", repairs)
    if fmt is None:
        raise Rejected(f"{field}.format: missing or not SOCKET/CABLE")
    power_type = _enum(raw.get("power_type"), enums.POWER_TYPES, f"{field}.power_type", repairs)
    if power_type is None:
        raise Rejected(f"{field}.power_type: missing or not a PowerType")
    voltage = integer(raw.get("max_voltage"), f"{field}.max_voltage", repairs)
    amperage = integer(raw.get("max_amperage"), f"{field}.max_amperage", repairs)
    if not voltage or not amperage or voltage < 0 or amperage < 0:
        raise Rejected(f"{field}.max_voltage/max_amperage: missing or not positive")
    power = integer(raw.get("max_electric_power"), f"{field}.max_electric_power", repairs)
    if power is not None and power <= 0:
        repairs.repair(f"{field}.max_electric_power", f"{power} dropped")
        power = None
    tariff_ids = raw.get("tariff_ids")
    if tariff_ids is None and isinstance(raw.get("tariff_id"), str):
        repairs.repair(f"{field}.tariff_id", "OCPI 2.1 tariff_id read as tariff_ids")
        tariff_ids = [raw["tariff_id"]]
    if not isinstance(tariff_ids, list) or not all(isinstance(t, str) for t in tariff_ids):
        tariff_ids = []
    updated = fallback_updated
    if raw.get("last_updated") is None:
        repairs.repair(f"{field}.last_updated", "missing, the EVSE's taken")
    else:
        updated = parse_datetime(raw["last_updated"], f"{field}.last_updated", repairs)
    return ConnectorRecord(
        connector_id=str(connector_id),
        standard=standard,
        format=fmt,
        power_type=power_type,
        max_voltage=voltage,
        max_amperage=amperage,
        max_electric_power=power,
        tariff_ids=[t[:36] for t in tariff_ids[:20]],
        terms_and_conditions=text(raw.get("terms_and_conditions"), f"{field}.terms_and_conditions", 500, repairs),
        last_updated=updated,
    )


def _status(value: Any, field: str, repairs: Repairs) -> enums.Status:
    status = _enum(value, enums.STATUSES, field, repairs)
    if status is None:
        repairs.repair(field, f"{str(value)[:40]!r} is no Status, taken as UNKNOWN")
        return "UNKNOWN"
    return cast(enums.Status, status)  # one of enums.STATUSES


def _schedule(value: Any, field: str, repairs: Repairs) -> list[dict[str, Any]]:
    kept = []
    for i, item in enumerate(_objects(value, field, repairs, ("period_begin", "status"))):
        try:
            entry: dict[str, Any] = {
                "period_begin": parse_datetime(item["period_begin"], f"{field}[{i}].period_begin", repairs).isoformat(),
                "status": _status(item["status"], f"{field}[{i}].status", repairs),
            }
            if item.get("period_end"):
                entry["period_end"] = parse_datetime(
                    item["period_end"], f"{field}[{i}].period_end", repairs
                ).isoformat()
            kept.append(entry)
        except Rejected as exc:
            repairs.repair(f"{field}[{i}]", f"dropped ({exc})")
    return kept


def _evse_place(raw: dict[str, Any], field: str, repairs: Repairs) -> tuple[float | None, float | None]:
    coordinates = raw.get("coordinates")
    if not isinstance(coordinates, dict):
        return None, None
    try:
        lat = parse_coordinate(coordinates.get("latitude"), f"{field}.coordinates.latitude", -90, 90, repairs)
        lon = parse_coordinate(coordinates.get("longitude"), f"{field}.coordinates.longitude", -180, 180, repairs)
    except Rejected as exc:
        repairs.repair(f"{field}.coordinates", f"dropped ({exc})")
        return None, None
    return lat, lon


def parse_evse(raw: Any, field: str, fallback_updated: dt.datetime | None, repairs: Repairs) -> EvseRecord:
    """An OCPI EVSE; one without a usable connector is rejected (the spec requires at least one)."""
    if not isinstance(raw, dict):
        raise Rejected(f"{field}: not an object")
    _unknown(raw, EVSE_FIELDS | {"floor"}, field, repairs)
    uid = text(raw.get("uid"), f"{field}.uid", 36, repairs, required=True)
    if raw.get("last_updated") is not None:
        updated = parse_datetime(raw["last_updated"], f"{field}.last_updated", repairs)
    elif fallback_updated is not None:
        repairs.repair(f"{field}.last_updated", "missing, the location's taken")
        updated = fallback_updated
    else:
        raise Rejected(f"{field}.last_updated: missing")
    connectors, problems = [], []
    raw_connectors = raw.get("connectors")
    for i, item in enumerate(raw_connectors if isinstance(raw_connectors, list) else []):
        try:
            connectors.append(parse_connector(item, f"{field}.connectors[{i}]", updated, repairs))
        except Rejected as exc:
            problems.append(str(exc))
            repairs.repair(f"{field}.connectors[{i}]", f"rejected: {exc}")
    if not connectors:
        raise Rejected(f"{field}.connectors: no valid connector ({'; '.join(problems)[:300] or 'none given'})")
    floor = raw.get("floor_level")
    if floor is None and raw.get("floor") is not None:
        repairs.repair(f"{field}.floor", "read as floor_level")
        floor = raw["floor"]
    lat, lon = _evse_place(raw, field, repairs)
    capabilities = _enum_list(raw.get("capabilities"), enums.CAPABILITIES, f"{field}.capabilities", repairs)
    restrictions = raw.get("parking_restrictions")
    return EvseRecord(
        uid=str(uid),
        evse_id=text(raw.get("evse_id"), f"{field}.evse_id", 48, repairs),
        status=_status(raw.get("status"), f"{field}.status", repairs),
        status_schedule=_schedule(raw.get("status_schedule"), f"{field}.status_schedule", repairs),
        capabilities=capabilities,
        connectors=connectors,
        floor_level=text(floor, f"{field}.floor_level", 4, repairs),
        lat=lat,
        lon=lon,
        physical_reference=text(raw.get("physical_reference"), f"{field}.physical_reference", 16, repairs),
        directions=_display_texts(raw.get("directions"), f"{field}.directions", repairs),
        parking_restrictions=_enum_list(
            restrictions, enums.PARKING_RESTRICTIONS, f"{field}.parking_restrictions", repairs
        ),
        images=_objects(raw.get("images"), f"{field}.images", repairs, ("url", "category")),
        last_updated=updated,
    )
