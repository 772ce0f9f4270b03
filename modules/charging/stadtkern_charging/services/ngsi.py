"""Locations as FIWARE Smart Data Models ``EVChargingStation`` entities (NGSI-LD key-values)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stadtkern_charging.models import Location
from stadtkern_charging.services.views import evse_state

# OCPI ConnectorType → the data model's socketType enum.
SOCKETS = {
    "IEC_62196_T2": "Type2",
    "IEC_62196_T2_COMBO": "CCS/SAE",
    "IEC_62196_T1_COMBO": "CCS/SAE",
    "IEC_62196_T1": "J-1772",
    "IEC_62196_T3A": "Type3",
    "IEC_62196_T3C": "Type3",
    "CHADEMO": "CHAdeMO",
    "DOMESTIC_F": "Schuko",
    "DOMESTIC_E": "Wall_Euro",
    "TESLA_S": "Tesla",
    "TESLA_R": "Tesla",
}
CONTEXT = "https://raw.githubusercontent.com/smart-data-models/dataModel.Transportation/master/context.jsonld"


def _status(states: list[str]) -> str:
    counted = [s for s in states if s != "removed"]
    if counted and all(s == "out_of_order" for s in counted):
        return "outOfService"
    if "out_of_order" in counted:
        return "withIncidence"
    if counted and "free" not in counted and "occupied" in counted:
        return "full"
    return "working"


def station(location: Location, fresh_since: dt.datetime) -> dict[str, Any]:
    """One Location as an ``EVChargingStation`` in key-values form."""
    evses = [e for e in location.evses if e.status != "REMOVED"]
    states = [evse_state(e, fresh_since) for e in evses]
    sockets = sorted({SOCKETS.get(c.standard, "Other") for e in evses for c in e.connectors})
    entity: dict[str, Any] = {
        "id": f"urn:ngsi-ld:EVChargingStation:{location.id}",
        "type": "EVChargingStation",
        "name": location.name or location.address,
        "location": {"type": "Point", "coordinates": [location.lon, location.lat]},
        "address": {
            "streetAddress": location.address,
            "postalCode": location.postal_code,
            "addressLocality": location.city,
            "addressCountry": location.country,
        },
        "capacity": len(evses),
        "availableCapacity": states.count("free"),
        "socketType": sockets,
        "allowedVehicleType": ["car"],
        "status": [_status(states)],
        "source": location.source,
        "dateModified": location.last_updated.isoformat(),
    }
    operator = (location.operator or {}).get("name")
    if operator:
        entity["operator"] = operator
    if location.free_of_charge:
        entity["chargeType"] = ["free"]
    if location.opening_times and location.opening_times.get("twentyfourseven"):
        entity["openingHours"] = ["Mo-Su 00:00-24:00"]
    watts = [c.power_w for e in evses for c in e.connectors]
    if watts:
        entity["powerConsumption"] = max(watts) / 1000  # the station's strongest connector, kW
    return entity
