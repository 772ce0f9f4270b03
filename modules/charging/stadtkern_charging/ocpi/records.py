"""A Location as the importers hand it to the store: the OCPI 2.2.1 fields, already checked and repaired."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from stadtkern_charging.ocpi.enums import Status

# Phases that multiply line-to-neutral voltage x amperage (OCPI: max_voltage is line to neutral for AC_3_PHASE).
_PHASES = {"AC_1_PHASE": 1, "AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3, "DC": 1}


@dataclass(slots=True)
class ConnectorRecord:
    """An OCPI Connector."""

    connector_id: str
    standard: str
    format: str
    power_type: str
    max_voltage: int
    max_amperage: int
    last_updated: dt.datetime
    max_electric_power: int | None = None
    tariff_ids: list[str] = field(default_factory=list)
    terms_and_conditions: str | None = None

    @property
    def power_w(self) -> int:
        """What the connector delivers at most: max_electric_power when given, else V x A x phases."""
        computed = self.max_voltage * self.max_amperage * _PHASES.get(self.power_type, 1)
        if self.max_electric_power:
            return self.max_electric_power
        return computed


@dataclass(slots=True)
class EvseRecord:
    """An OCPI EVSE with its connectors."""

    uid: str
    status: Status
    connectors: list[ConnectorRecord]
    last_updated: dt.datetime
    evse_id: str | None = None
    status_schedule: list[dict[str, Any]] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    floor_level: str | None = None
    lat: float | None = None
    lon: float | None = None
    physical_reference: str | None = None
    directions: list[dict[str, str]] = field(default_factory=list)
    parking_restrictions: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class LocationRecord:
    """An OCPI Location with its EVSEs, the raw record and the warnings its import raised."""

    country_code: str
    party_id: str
    ocpi_id: str
    address: str
    city: str
    country: str
    lat: float
    lon: float
    time_zone: str
    last_updated: dt.datetime
    publish: bool = True
    publish_allowed_to: list[dict[str, Any]] = field(default_factory=list)
    name: str | None = None
    postal_code: str | None = None
    state: str | None = None
    related_locations: list[dict[str, Any]] = field(default_factory=list)
    parking_type: str | None = None
    evses: list[EvseRecord] = field(default_factory=list)
    directions: list[dict[str, str]] = field(default_factory=list)
    operator: dict[str, Any] | None = None
    suboperator: dict[str, Any] | None = None
    owner: dict[str, Any] | None = None
    facilities: list[str] = field(default_factory=list)
    opening_times: dict[str, Any] | None = None
    charging_when_closed: bool | None = None
    images: list[dict[str, Any]] = field(default_factory=list)
    energy_mix: dict[str, Any] | None = None
    # Not OCPI: what the register says about payment (OCPI's come from the EVSEs' capabilities).
    payment_mask: int = 0
    free_of_charge: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    repaired: bool = False
    # Whether the EVSE statuses are live (OCPI) or a register's static word.
    live: bool = True

    @property
    def source_id(self) -> str:
        """The key of the record within its source: OCPI's (country_code, party_id, id)."""
        return f"{self.country_code}*{self.party_id}*{self.ocpi_id}"
