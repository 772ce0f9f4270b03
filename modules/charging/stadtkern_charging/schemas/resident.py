"""What residents' apps receive: locations with live status aggregated, and the detail down to connectors."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

import msgspec

from stadtkern_charging.ocpi.enums import ConnectorFormat, PowerType, Status
from stadtkern_charging.payment import PaymentMethod
from stadtkern_charging.power import PowerClass

# What a driver needs to know about one EVSE: free, taken, broken/switched off, not known (or stale), coming.
State = Literal["free", "occupied", "out_of_order", "unknown", "planned", "removed"]


class StatusCounts(msgspec.Struct, kw_only=True):
    """A location's EVSEs by state (REMOVED ones are not counted)."""

    total: int
    free: int
    occupied: int
    out_of_order: int
    unknown: int
    planned: int


class PlugAvailability(msgspec.Struct, kw_only=True):
    """EVSEs offering a plug standard in a power class: how many, how many free now."""

    standard: str
    power_class: PowerClass
    max_power_kw: float
    total: int
    free: int


class LocationSummary(msgspec.Struct, kw_only=True):
    """One charging location on the map or in the list."""

    id: uuid.UUID
    name: str | None
    address: str
    postal_code: str | None
    city: str
    lat: float
    lon: float
    distance_m: float | None
    operator: str | None
    parking_type: str | None
    free_of_charge: bool | None
    payment_methods: list[PaymentMethod]
    open_now: bool
    status: StatusCounts
    plugs: list[PlugAvailability]
    # When the freshest live status was reported, and its age; None: no live status (a register entry).
    status_as_of: dt.datetime | None
    status_age_s: int | None
    # True when the location has live EVSEs and all of them are older than the city's stale limit.
    stale: bool
    live: bool


class ConnectorOut(msgspec.Struct, kw_only=True):
    """An OCPI Connector."""

    connector_id: str
    standard: str
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None
    power_kw: float
    power_class: PowerClass
    tariff_ids: list[str]
    terms_and_conditions: str | None


class DisplayText(msgspec.Struct, kw_only=True):
    """OCPI DisplayText."""

    language: str
    text: str


class EvseOut(msgspec.Struct, kw_only=True):
    """An OCPI EVSE with its state as a driver reads it; out of order is never shown as occupied."""

    uid: str
    evse_id: str | None
    status: Status
    state: State
    status_since: dt.datetime
    status_as_of: dt.datetime | None
    status_age_s: int | None
    stale: bool
    capabilities: list[str]
    floor_level: str | None
    physical_reference: str | None
    parking_restrictions: list[str]
    directions: list[DisplayText]
    lat: float | None
    lon: float | None
    connectors: list[ConnectorOut]


class LocationDetail(LocationSummary, kw_only=True):
    """A location down to its connectors."""

    country: str
    time_zone: str
    opening_times: dict[str, Any] | None
    charging_when_closed: bool | None
    facilities: list[str]
    directions: list[DisplayText]
    energy_mix: dict[str, Any] | None
    source: str
    last_updated: dt.datetime
    evses: list[EvseOut]
