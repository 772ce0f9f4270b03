"""What every importer produces, whatever the feed: static records, status records, a report.

A parser turns a feed into these; ``reconcile`` then makes a status record fit for residents
(clamp and flag impossible numbers, keep the raw ones) and the report counts per source what was
accepted as sent, repaired, and rejected (with the reason, for staff).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from stadtkern_parking.settings import FacilityStatus

MAX_ISSUES = 100
# A feed's clock may run a little ahead; beyond this an observation "from the future" is repaired.
CLOCK_SKEW = dt.timedelta(minutes=5)


class Rejected(ValueError):
    """A record that cannot be used at all; ``field`` names what is missing or wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(slots=True)
class StaticRecord:
    """A facility as a feed describes it: ``fields`` are ``Facility`` columns."""

    source_id: str
    fields: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StatusRecord:
    """Live numbers as a feed sent them; any of them may be missing or impossible."""

    source_id: str
    observed_at: dt.datetime | None = None
    free: int | None = None
    occupied: int | None = None
    capacity: int | None = None
    # Occupied share 0..1 (DATEX II sends a percentage or a fraction; parsers normalise).
    occupancy: float | None = None
    status: FacilityStatus = "unknown"
    # What the parser already had to repair ("occupancy_out_of_range: 130"), as flags.
    notes: list[str] = field(default_factory=list)


class ParseError(ValueError):
    """The body is not what the source type promises (an HTML error page, broken JSON)."""


@dataclass
class Parsed:
    """What one pull of a source delivered."""

    static: list[StaticRecord] = field(default_factory=list)
    status: list[StatusRecord] = field(default_factory=list)
    empty: bool = False


@dataclass(slots=True)
class StateValues:
    """A status record made fit to show: the numbers residents see, the raw ones, the flags."""

    free: int | None
    occupied: int | None
    capacity: int | None
    status: FacilityStatus
    observed_at: dt.datetime
    raw_free: int | None
    raw_occupied: int | None
    raw_capacity: int | None
    flags: list[str]


@dataclass
class Report:
    """Per source and part: accepted as sent, repaired (clamped or filled in), rejected."""

    accepted: int = 0
    repaired: int = 0
    rejected: int = 0
    issues: list[dict[str, str]] = field(default_factory=list)

    def note(self, record: str, field_name: str, message: str, action: str) -> None:
        """Keeps the first issues for staff (a broken feed can have thousands)."""
        if len(self.issues) < MAX_ISSUES:
            self.issues.append({"record": record[:200], "field": field_name, "message": message, "action": action})

    def reject(self, record: str, field_name: str, message: str) -> None:
        """Counts a record that was not stored."""
        self.rejected += 1
        self.note(record, field_name, message, "rejected")

    def count(self, record: str, flags: list[str]) -> None:
        """Counts a stored record: repaired when it carries flags."""
        if flags:
            self.repaired += 1
            for flag in flags:
                self.note(record, flag.split(":", 1)[0], flag, "repaired")
        else:
            self.accepted += 1


def _capacity(record: StatusRecord, static_capacity: int | None, flags: list[str]) -> int | None:
    if record.capacity is None:
        return static_capacity
    if record.capacity < 0:
        flags.append(f"capacity_negative: {record.capacity}, the facility's capacity used")
        return static_capacity
    return record.capacity


def _free(record: StatusRecord, capacity: int | None) -> int | None:
    if record.free is not None:
        return record.free
    if record.occupied is not None and capacity is not None:
        return capacity - record.occupied
    if record.occupancy is not None and capacity is not None:
        return round(capacity * (1 - record.occupancy))
    return None


def reconcile(record: StatusRecord, static_capacity: int | None, now: dt.datetime) -> StateValues:
    """The state residents see: ``0 ≤ free ≤ capacity`` always, what was changed in ``flags``."""
    flags: list[str] = list(record.notes)
    capacity = _capacity(record, static_capacity, flags)
    free = _free(record, capacity)
    if free is None and record.status == "unknown":
        raise Rejected("free", "no free spaces, occupied spaces, occupancy or status")
    if free is not None and free < 0:
        flags.append(f"free_negative: {free} reported, 0 shown")
        free = 0
    if free is not None and capacity is not None and free > capacity:
        flags.append(f"free_above_capacity: {free} reported for {capacity} spaces, {capacity} shown")
        free = capacity
    occupied = record.occupied
    if free is not None and capacity is not None:
        derived = capacity - free
        if occupied is not None and not 0 <= occupied <= capacity:
            flags.append(f"occupied_out_of_range: {occupied} reported, {derived} shown")
        occupied = derived
    elif occupied is not None and occupied < 0:
        flags.append(f"occupied_negative: {occupied} reported, 0 shown")
        occupied = 0
    observed = record.observed_at
    if observed is None:
        flags.append("observed_at_missing: the time of receipt used")
        observed = now
    elif observed > now + CLOCK_SKEW:
        flags.append(f"observed_at_future: {observed.isoformat()} reported, the time of receipt used")
        observed = now
    return StateValues(
        free=free,
        occupied=occupied,
        capacity=capacity,
        status=record.status,
        observed_at=observed,
        raw_free=record.free,
        raw_occupied=record.occupied,
        raw_capacity=record.capacity,
        flags=flags,
    )
