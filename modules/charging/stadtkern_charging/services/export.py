"""Rows as OCPI 2.2.1 objects again: the Sender view (export is a view of the model, not a translation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stadtkern_charging.models import Connector, Evse, Location
from stadtkern_charging.ocpi.values import format_datetime


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Optional fields are left out when empty (OCPI: "fields that are not specified may be considered null")."""
    if value is not None and value != [] and value != {}:
        target[key] = value


def connector_json(row: Connector) -> dict[str, Any]:
    """An OCPI Connector object."""
    out: dict[str, Any] = {
        "id": row.connector_id,
        "standard": row.standard,
        "format": row.format,
        "power_type": row.power_type,
        "max_voltage": row.max_voltage,
        "max_amperage": row.max_amperage,
    }
    _put(out, "max_electric_power", row.max_electric_power)
    _put(out, "tariff_ids", row.tariff_ids)
    _put(out, "terms_and_conditions", row.terms_and_conditions)
    out["last_updated"] = format_datetime(row.last_updated)
    return out


def _point(lat: float, lon: float) -> dict[str, str]:
    return {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"}


def evse_json(row: Evse) -> dict[str, Any]:
    """An OCPI EVSE object."""
    out: dict[str, Any] = {"uid": row.uid}
    _put(out, "evse_id", row.evse_id)
    out["status"] = row.status
    _put(out, "status_schedule", [_stamped(s) for s in row.status_schedule])
    _put(out, "capabilities", row.capabilities)
    out["connectors"] = [connector_json(c) for c in row.connectors]
    _put(out, "floor_level", row.floor_level)
    if row.lat is not None and row.lon is not None:
        out["coordinates"] = _point(row.lat, row.lon)
    _put(out, "physical_reference", row.physical_reference)
    _put(out, "directions", row.directions)
    _put(out, "parking_restrictions", row.parking_restrictions)
    _put(out, "images", row.images)
    out["last_updated"] = format_datetime(row.last_updated)
    return out


def _stamped(period: dict[str, Any]) -> dict[str, Any]:
    """A period stored with ISO texts, its moments spelled the OCPI way."""
    return {
        k: format_datetime(dt.datetime.fromisoformat(v)) if k in ("period_begin", "period_end") else v
        for k, v in period.items()
    }


def _hours(hours: dict[str, Any] | None) -> dict[str, Any] | None:
    if hours is None:
        return None
    out: dict[str, Any] = {"twentyfourseven": hours["twentyfourseven"]}
    _put(out, "regular_hours", hours.get("regular_hours"))
    for key in ("exceptional_openings", "exceptional_closings"):
        _put(out, key, [_stamped(p) for p in hours.get(key, [])])
    return out


def location_json(row: Location, *, location_id: str | None = None) -> dict[str, Any]:
    """An OCPI Location object with its EVSEs; ``id`` is ours (unique across the city's sources)."""
    out: dict[str, Any] = {
        "country_code": row.country_code,
        "party_id": row.party_id,
        "id": location_id or str(row.id),
        "publish": row.publish,
    }
    _put(out, "publish_allowed_to", row.publish_allowed_to)
    _put(out, "name", row.name)
    out.update(address=row.address, city=row.city)
    _put(out, "postal_code", row.postal_code)
    _put(out, "state", row.state)
    out["country"] = row.country
    out["coordinates"] = _point(row.lat, row.lon)
    _put(out, "related_locations", row.related_locations)
    _put(out, "parking_type", row.parking_type)
    out["evses"] = [evse_json(e) for e in row.evses]
    _put(out, "directions", row.directions)
    for key in ("operator", "suboperator", "owner"):
        _put(out, key, getattr(row, key))
    _put(out, "facilities", row.facilities)
    out["time_zone"] = row.time_zone
    _put(out, "opening_times", _hours(row.opening_times))
    _put(out, "charging_when_closed", row.charging_when_closed)
    _put(out, "images", row.images)
    _put(out, "energy_mix", row.energy_mix)
    out["last_updated"] = format_datetime(row.last_updated)
    return out
