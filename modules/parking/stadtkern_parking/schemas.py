"""What the routes accept and answer (msgspec Structs: validated, and described in OpenAPI)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from schemas import Key, LocalizedText, MomentText
from stadtkern_parking.settings import FacilityKind, FacilityStatus, SourceType

Count = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Lat = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class FacilityIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A facility without a feed, as an editor describes it."""

    name: Name
    kind: FacilityKind = "car_park"
    park_and_ride: bool = False
    lat: Lat
    lon: Lon
    address: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    district: Key | None = None
    capacity: Count | None = None
    capacity_disabled: Count | None = None
    capacity_woman: Count | None = None
    capacity_family: Count | None = None
    capacity_charging: Count | None = None
    capacity_bus: Count | None = None
    max_height_cm: Annotated[int, msgspec.Meta(ge=100, le=1000)] | None = None
    # OpenStreetMap opening_hours syntax ("24/7", "Mo-Sa 07:00-22:00").
    opening_hours: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None
    fees: LocalizedText | None = None
    description: LocalizedText | None = None
    has_fee: bool | None = None
    operator_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    payment: Annotated[list[Key], msgspec.Meta(max_length=12)] = msgspec.field(default_factory=list)
    accessibility: Annotated[list[Key], msgspec.Meta(max_length=12)] = msgspec.field(default_factory=list)
    public_url: Annotated[str, msgspec.Meta(pattern=r"^https?://", max_length=500)] | None = None


class StateIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Counted by hand (a facility without a feed): free spaces and whether it is open."""

    free: Annotated[int, msgspec.Meta(ge=-100_000, le=100_000)] | None = None
    status: FacilityStatus = "open"


class ClosureIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Closed whatever the feed says, until ``until`` (default: the end of today in the city)."""

    until: MomentText | None = None
    note: LocalizedText | None = None


class StateOut(msgspec.Struct, kw_only=True):
    """The live state: what residents may rely on, how old it is, and whether it is stale."""

    free: int | None
    occupied: int | None
    capacity: int | None
    status: FacilityStatus
    observed_at: dt.datetime
    age_seconds: int
    stale: bool
    # The feed sent an impossible value that was clamped (the raw one is kept for staff).
    repaired: bool


class FacilitySummary(msgspec.Struct, kw_only=True):
    """A facility in a list: enough for a row and a pin."""

    id: uuid.UUID
    name: str
    kind: FacilityKind
    park_and_ride: bool
    lat: float | None
    lon: float | None
    address: str | None
    capacity: int | None
    capacity_disabled: int | None
    max_height_cm: int | None
    closed_until: dt.datetime | None
    state: StateOut | None
    distance_m: float | None


class MapItem(msgspec.Struct, kw_only=True, array_like=False):
    """A map pin: small on purpose. The age is ``observed_at`` against the response's ``Date``."""

    id: uuid.UUID
    name: str
    kind: FacilityKind
    park_and_ride: bool
    lat: float | None
    lon: float | None
    capacity: int | None
    free: int | None
    status: FacilityStatus
    stale: bool
    observed_at: dt.datetime | None


class HistoryPoint(msgspec.Struct, array_like=True):
    """One point of the 24 h curve: the quarter-hour's start and its mean free spaces."""

    at: dt.datetime
    free: int


class FacilityOut(msgspec.Struct, kw_only=True):
    """A facility's detail: everything known, its live state and the last 24 hours."""

    id: uuid.UUID
    name: str
    kind: FacilityKind
    park_and_ride: bool
    lat: float | None
    lon: float | None
    address: str | None
    district: str | None
    capacity: int | None
    capacity_disabled: int | None
    capacity_woman: int | None
    capacity_family: int | None
    capacity_charging: int | None
    capacity_bus: int | None
    max_height_cm: int | None
    opening_hours: str | None
    fees: str | None
    description: str | None
    has_fee: bool | None
    operator_name: str | None
    payment: list[str]
    accessibility: list[str]
    public_url: str | None
    source: str
    closed_until: dt.datetime | None
    closed_note: str | None
    state: StateOut | None
    last_24h: list[HistoryPoint]
    updated_at: dt.datetime


class StaffStateOut(msgspec.Struct, kw_only=True):
    """The state as staff see it: with what the feed really sent and what was repaired."""

    state: StateOut | None
    raw_free: int | None
    raw_occupied: int | None
    raw_capacity: int | None
    flags: list[str]
    warnings: list[str]


class ImportRunOut(msgspec.Struct, kw_only=True):
    """One pull of a source: what it accepted, repaired and rejected."""

    source: str
    part: str
    started_at: dt.datetime
    finished_at: dt.datetime
    ok: bool
    accepted: int
    repaired: int
    rejected: int
    error: str | None
    issues: list[dict[str, str]]


class SourceOut(msgspec.Struct, kw_only=True):
    """A configured source and its latest pulls (static and realtime)."""

    id: str
    type: SourceType
    runs: list[ImportRunOut]


class ForecastPoint(msgspec.Struct, kw_only=True):
    """Expected free spaces some minutes ahead."""

    minutes: int
    at: dt.datetime
    free: int


class ForecastOut(msgspec.Struct, kw_only=True):
    """The forecast of one facility: empty without a live (non-stale) state to start from."""

    facility_id: uuid.UUID
    # How many past days (day rows) the weekday x quarter-hour profile was built from.
    based_on_days: int
    points: list[ForecastPoint]
