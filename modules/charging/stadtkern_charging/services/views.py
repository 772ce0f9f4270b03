"""Rows into what residents see: per-EVSE state, counts per location, plugs by power class."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from stadtkern_charging import payment
from stadtkern_charging.models import Evse, Location
from stadtkern_charging.ocpi import enums
from stadtkern_charging.ocpi.hours import is_open
from stadtkern_charging.power import PowerClass, power_class
from stadtkern_charging.schemas.resident import (
    ConnectorOut,
    DisplayText,
    EvseOut,
    LocationDetail,
    LocationSummary,
    PlugAvailability,
    StatusCounts,
)
from stadtkern_charging.services.snapshot import CachedEvse, CachedLocation


def evse_state(evse: Evse | CachedEvse, fresh_since: dt.datetime) -> str:
    """Free / occupied / out of order / unknown / planned / removed; a stale or static status is unknown."""
    if evse.status in enums.GONE:
        return "removed"
    if evse.status == "PLANNED":
        return "planned"
    if not evse.live or evse.status_reported_at is None or evse.status_reported_at < fresh_since:
        return "unknown"
    if evse.status in enums.FREE:
        return "free"
    if evse.status in enums.OCCUPIED:
        return "occupied"
    if evse.status in enums.OUT_OF_ORDER:
        return "out_of_order"
    return "unknown"


def _age(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def _counts(states: list[str]) -> StatusCounts:
    counted = [s for s in states if s != "removed"]
    return StatusCounts(
        total=len(counted),
        free=counted.count("free"),
        occupied=counted.count("occupied"),
        out_of_order=counted.count("out_of_order"),
        unknown=counted.count("unknown"),
        planned=counted.count("planned"),
    )


def _plugs(location: Location | CachedLocation, states: dict[str, str]) -> list[PlugAvailability]:
    """Per (standard, power class): EVSEs offering it and how many of them are free (an EVSE counts once)."""
    total: dict[tuple[str, PowerClass], set[str]] = defaultdict(set)
    free: dict[tuple[str, PowerClass], set[str]] = defaultdict(set)
    top: dict[tuple[str, PowerClass], int] = defaultdict(int)
    for evse in location.evses:
        if states[evse.uid] == "removed":
            continue
        for connector in evse.connectors:
            key = (connector.standard, power_class(connector.power_type, connector.power_w))
            total[key].add(evse.uid)
            top[key] = max(top[key], connector.power_w)
            if states[evse.uid] == "free":
                free[key].add(evse.uid)
    return [
        PlugAvailability(
            standard=s,
            power_class=c,
            max_power_kw=top[(s, c)] / 1000,
            total=len(total[(s, c)]),
            free=len(free[(s, c)]),  # type: ignore[arg-type]
        )
        for s, c in sorted(total)
    ]


def summary_fields(
    location: Location | CachedLocation, distance: float | None, now: dt.datetime, fresh_since: dt.datetime
) -> dict[str, object]:
    """The fields every location answer has."""
    states = {e.uid: evse_state(e, fresh_since) for e in location.evses}
    live = [e.status_reported_at for e in location.evses if e.live and e.status_reported_at and e.status != "REMOVED"]
    as_of = max(live, default=None)
    return {
        "id": location.id,
        "name": location.name,
        "address": location.address,
        "postal_code": location.postal_code,
        "city": location.city,
        "lat": location.lat,
        "lon": location.lon,
        "distance_m": None if distance is None else round(distance, 1),
        "operator": (location.operator or {}).get("name"),
        "parking_type": location.parking_type,
        "free_of_charge": location.free_of_charge,
        "payment_methods": payment.methods(location.payment_mask),
        "open_now": location.always_open or is_open(location.opening_times, location.time_zone, now),
        "status": _counts(list(states.values())),
        "plugs": _plugs(location, states),
        "status_as_of": as_of,
        "status_age_s": _age(as_of, now),
        "stale": as_of is not None and as_of < fresh_since,
        "live": as_of is not None,
    }


def location_summary(
    location: Location | CachedLocation, distance: float | None, now: dt.datetime, fresh_since: dt.datetime
) -> LocationSummary:
    """A location for the map or the list, from its row or from its in-memory record alike."""
    return LocationSummary(**summary_fields(location, distance, now, fresh_since))  # type: ignore[arg-type]


def evse_out(evse: Evse, now: dt.datetime, fresh_since: dt.datetime) -> EvseOut:
    """An EVSE with its connectors."""
    reported = evse.status_reported_at if evse.live else None
    return EvseOut(
        uid=evse.uid,
        evse_id=evse.evse_id,
        status=evse.status,
        state=evse_state(evse, fresh_since),  # type: ignore[arg-type]
        status_since=evse.status_since,
        status_as_of=reported,
        status_age_s=_age(reported, now),
        stale=reported is not None and reported < fresh_since,
        capabilities=evse.capabilities,
        floor_level=evse.floor_level,
        physical_reference=evse.physical_reference,
        parking_restrictions=evse.parking_restrictions,
        directions=[DisplayText(**d) for d in evse.directions],
        lat=evse.lat,
        lon=evse.lon,
        connectors=[
            ConnectorOut(
                connector_id=c.connector_id,
                standard=c.standard,
                format=c.format,
                power_type=c.power_type,
                max_voltage=c.max_voltage,
                max_amperage=c.max_amperage,
                max_electric_power=c.max_electric_power,
                power_kw=c.power_w / 1000,
                power_class=power_class(c.power_type, c.power_w),
                tariff_ids=c.tariff_ids,
                terms_and_conditions=c.terms_and_conditions,
            )
            for c in evse.connectors
        ],
    )


def location_detail(
    location: Location, distance: float | None, now: dt.datetime, fresh_since: dt.datetime
) -> LocationDetail:
    """A location down to its connectors (removed EVSEs left out)."""
    return LocationDetail(
        **summary_fields(location, distance, now, fresh_since),  # type: ignore[arg-type]
        country=location.country,
        time_zone=location.time_zone,
        opening_times=location.opening_times,
        charging_when_closed=location.charging_when_closed,
        facilities=location.facilities,
        directions=[DisplayText(**d) for d in location.directions],
        energy_mix=location.energy_mix,
        source=location.source,
        last_updated=location.last_updated,
        evses=[evse_out(e, now, fresh_since) for e in location.evses if e.status != "REMOVED"],
    )
