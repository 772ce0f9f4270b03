"""AFIR DATEX II v3 JSON: the energy-infrastructure table (static) and the status publication (live).

Static: a site (energyInfrastructureSite) → an OCPI Location, each refill point
(aegiElectricChargingPoint) → an EVSE, its connectors → Connectors (``maxPowerAtSocket`` in W).
Live: ``refillPointStatus[].aegiRefillPointStatus`` with ``reference.idG`` the EVSE id (or the
refill point's own id) and a status word."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stadtkern_charging import payment
from stadtkern_charging.imports.afir_vocab import CONNECTORS, PAYMENT, STATUSES, text, value
from stadtkern_charging.ocpi.records import ConnectorRecord, EvseRecord, LocationRecord
from stadtkern_charging.ocpi.values import Rejected, Repairs, parse_datetime

ALL_DAY = {"twentyfourseven": True, "regular_hours": [], "exceptional_openings": [], "exceptional_closings": []}


@dataclass(slots=True)
class StatusUpdate:
    """One refill point's live status."""

    ref: str
    status: str
    at: dt.datetime | None


def _publication(doc: Any, key: str) -> list[dict[str, Any]]:
    """The publications named ``key``: ``payload`` may be one object, or a messageContainer's list."""
    if not isinstance(doc, dict):
        raise Rejected("not a DATEX II JSON document")
    payloads = doc.get("payload")
    if payloads is None and isinstance(doc.get("messageContainer"), dict):
        payloads = doc["messageContainer"].get("payload")
    items = payloads if isinstance(payloads, list) else [payloads]
    found = [p[key] for p in items if isinstance(p, dict) and isinstance(p.get(key), dict)]
    if not found:
        raise Rejected(f"no {key} in the document")
    return found


def _point(site: dict[str, Any]) -> tuple[float, float, dict[str, Any]]:
    location = site.get("locationReference", {}).get("locPointLocation", {})
    coordinates = location.get("pointByCoordinates", {}).get("pointCoordinates", {})
    lat, lon = coordinates.get("latitude"), coordinates.get("longitude")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float) or not (-90 <= lat <= 90):
        raise Rejected("locationReference: no point coordinates")
    facility = location.get("locLocationExtensionG", {}).get("AfirFacilityLocation", {})
    return float(lat), float(lon), facility.get("address", {}) if isinstance(facility, dict) else {}


def _address(address: dict[str, Any]) -> tuple[str, str, str | None]:
    lines = sorted((a for a in address.get("addressLine", []) if isinstance(a, dict)), key=lambda a: a.get("order", 0))
    street = " ".join(t for a in lines if (t := text(a.get("text"))))
    postcode = address.get("postcode")
    return (
        street[:255] or "-",
        (text(address.get("city")) or "-")[:100],
        postcode.strip()[:20] if isinstance(postcode, str) else None,
    )


def _connectors(point: dict[str, Any], updated: dt.datetime, field: str, repairs: Repairs) -> list[ConnectorRecord]:
    dc = value(point.get("currentType")) == "dc"
    mode = value(point.get("chargingMode"))
    power_type = "DC" if dc else ("AC_1_PHASE" if "1p" in mode else "AC_3_PHASE")
    out: list[ConnectorRecord] = []
    for i, item in enumerate(point.get("connector", [])):
        standard = CONNECTORS.get(value(item.get("connectorType")))
        watts = item.get("maxPowerAtSocket") or max(point.get("availableChargingPower") or [0])
        if standard is None or not isinstance(watts, int | float) or watts <= 0:
            repairs.repair(f"{field}.connector[{i}]", "unknown connector type or no power, left out")
            continue
        volts = 1000 if dc and watts > 150000 else (500 if dc else 230)
        phases = 3 if power_type == "AC_3_PHASE" else 1
        out.append(
            ConnectorRecord(
                connector_id=str(len(out) + 1),
                standard=standard,
                format="CABLE" if value(item.get("connectorFormat")) == "cable" else "SOCKET",
                power_type=power_type,
                max_voltage=volts,
                max_amperage=max(1, math.ceil(watts / (volts * phases))),
                max_electric_power=int(watts),
                last_updated=updated,
            )
        )
    return out


def _payment(point: dict[str, Any]) -> int:
    words = []
    for product in point.get("energyProduct", []):
        for rate in product.get("aegiElectricEnergy", {}).get("energyRate", []):
            words += [value(m) for m in rate.get("payment", {}).get("paymentMeans", [])]
    return payment.mask(PAYMENT[w] for w in words if w in PAYMENT)


def _stamp(node: dict[str, Any], fallback: dt.datetime, repairs: Repairs) -> dt.datetime:
    try:
        return parse_datetime(node.get("lastUpdated"), "lastUpdated", repairs)
    except Rejected:
        return fallback


def site_record(site: dict[str, Any], country: str, party: str, published: dt.datetime) -> LocationRecord:
    """One site as a Location; raises :class:`Rejected` for one without a place or a usable refill point."""
    repairs = Repairs()
    ident = str(site.get("idG") or "").strip()
    if not ident:
        raise Rejected("idG: missing")
    lat, lon, address = _point(site)
    street, city, postcode = _address(address)
    updated = _stamp(site, published, repairs)
    evses, mask = [], 0
    for station in site.get("energyInfrastructureStation", []):
        for refill in station.get("refillPoint", []):
            point = refill.get("aegiElectricChargingPoint")
            if not isinstance(point, dict) or not point.get("idG"):
                continue
            field = f"refillPoint {point['idG']}"
            connectors = _connectors(point, _stamp(point, updated, repairs), field, repairs)
            if not connectors:
                continue
            mask |= _payment(point)
            external = point.get("externalIdentifier")
            evses.append(
                EvseRecord(
                    uid=str(point["idG"])[:36],
                    evse_id=external[:48] if isinstance(external, str) else None,
                    status="UNKNOWN",
                    connectors=connectors,
                    last_updated=_stamp(point, updated, repairs),
                )
            )
    if not evses:
        raise Rejected("refillPoint: no charging point with a known connector")
    operator = text(site.get("operator", {}).get("afacAnOrganisation", {}).get("name"))
    hours = ALL_DAY if "afacOpenAllHours" in (site.get("operatingHours") or {}) else None
    return LocationRecord(
        country_code=country,
        party_id=party,
        ocpi_id=ident[:36],
        address=street,
        city=city,
        postal_code=postcode,
        country="DEU" if address.get("countryCode", "DE") == "DE" else str(address.get("countryCode"))[:3],
        lat=lat,
        lon=lon,
        time_zone="Europe/Berlin",
        last_updated=updated,
        name=operator,
        operator={"name": operator[:100]} if operator else None,
        opening_times=hours,
        evses=evses,
        payment_mask=mask,
        raw=site,
        warnings=repairs.warnings,
        repaired=repairs.repaired,
        live=False,
    )


def static_sites(doc: Any) -> Iterator[dict[str, Any] | tuple[str, str, dt.datetime]]:
    """The publisher (country, party, publication time) first, then every site."""
    for publication in _publication(doc, "aegiEnergyInfrastructureTablePublication"):
        creator = publication.get("publicationCreator", {})
        party = str(creator.get("nationalIdentifier", "DE-XXX")).split("-")[-1].upper()[:3]
        published = parse_datetime(publication.get("publicationTime"), "publicationTime", Repairs())
        yield str(creator.get("country", "DE"))[:2].upper(), party, published
        for table in publication.get("energyInfrastructureTable", []):
            yield from (s for s in table.get("energyInfrastructureSite", []) if isinstance(s, dict))


def status_updates(doc: Any) -> Iterator[StatusUpdate]:
    """Every refill point status of a status publication."""
    for publication in _publication(doc, "aegiEnergyInfrastructureStatusPublication"):
        for site in publication.get("energyInfrastructureSiteStatus", []):
            for station in site.get("energyInfrastructureStationStatus", []):
                for item in station.get("refillPointStatus", []):
                    status = item.get("aegiRefillPointStatus", {})
                    ref = status.get("reference", {}).get("idG")
                    if not isinstance(ref, str) or not ref:
                        continue
                    word = value(status.get("status")).replace("_", "")
                    try:
                        at = parse_datetime(status.get("lastUpdated"), "lastUpdated", Repairs())
                    except Rejected:
                        at = None
                    yield StatusUpdate(ref=ref[:48], status=STATUSES.get(word, "UNKNOWN"), at=at)
