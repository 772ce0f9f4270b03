"""Tables: facilities (ParkAPI v3-like), their live state, the occupancy history and import reports.

History is kept in two shapes so that it stays small: ``parking_sample`` holds raw samples for a
few days (composite key, no UUID, no audit columns: a row is four numbers), and ``parking_day``
holds one row per facility and local day with 96 quarter-hour means. At 1,000 facilities x one
sample a minute that is at most 1,440,000 raw rows a day for ``history_raw_days`` days, and
365,000 day rows a year.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.base import AdvancedDeclarativeBase, CommonTableAttributes
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import Mapped, mapped_column

from core.api import TenantOwned, TenantScoped
from stadtkern_parking.settings import FacilityKind, FacilityStatus

RESOURCE = "parking.facility"
STAFF_SOURCE = "staff"
STATUSES = ("open", "closed", "unknown")


class _Keyed(CommonTableAttributes, AdvancedDeclarativeBase, AsyncAttrs):
    """Rows keyed by what they describe (no UUID, no audit columns), in the one metadata."""

    __abstract__ = True


class Facility(TenantOwned):
    """A car park, P+R site, on-street zone or bike parking; static data, from a feed or staff."""

    __tablename__ = "parking_facility"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "source_id", name="uq_parking_facility_source"),
        Index("ix_parking_facility_tenant_updated", "tenant_id", "updated_at"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
    )

    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[FacilityKind] = mapped_column(String(16), default="car_park")
    park_and_ride: Mapped[bool] = mapped_column(Boolean, default=False)
    # WGS 84 degrees, both or neither; spatially indexed (parking_0001, core.api.create_point_index).
    lat: Mapped[float | None] = mapped_column(nullable=True)
    lon: Mapped[float | None] = mapped_column(nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    district: Mapped[str | None] = mapped_column(String(80), nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capacity_disabled: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capacity_woman: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capacity_family: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capacity_charging: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capacity_bus: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_height_cm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # OpenStreetMap opening_hours syntax, as ParkAPI v3 ("24/7", "Mo-Sa 07:00-23:00").
    opening_hours: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # LocalizedText ({"de": ..., "en": ...}): languages are data, not columns.
    fees: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    has_fee: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    operator_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    payment: Mapped[list[str]] = mapped_column(JSON, default=list)
    accessibility: Mapped[list[str]] = mapped_column(JSON, default=list)
    public_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Staff's "closed today": closed until this moment whatever the feed says.
    closed_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    closed_note: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # The record as the feed sent it and what its import repaired (design: keep raw and warnings).
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)


class FacilityState(TenantScoped, _Keyed):
    """The live state of one facility, one row each, upserted by every import.

    ``free`` and ``occupied`` are what residents see: never below 0 nor above the capacity. What
    the feed actually said stays in ``raw_*`` and ``flags`` says what was repaired.
    """

    __tablename__ = "parking_state"
    __table_args__ = (
        CheckConstraint("free IS NULL OR free >= 0", name="free_min"),
        CheckConstraint("free IS NULL OR capacity IS NULL OR free <= capacity", name="free_max"),
        Index("ix_parking_state_tenant_received", "tenant_id", "received_at"),
    )

    facility_id: Mapped[uuid.UUID] = mapped_column(
        GUID, ForeignKey("parking_facility.id", ondelete="CASCADE"), primary_key=True
    )
    free: Mapped[int | None] = mapped_column(Integer, nullable=True)
    occupied: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The capacity this state counts against (a feed's override, else the facility's).
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[FacilityStatus] = mapped_column(String(8), default="unknown")
    observed_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    received_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    raw_free: Mapped[int | None] = mapped_column(Integer, nullable=True)
    raw_occupied: Mapped[int | None] = mapped_column(Integer, nullable=True)
    raw_capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # "|free_negative|free_above_capacity|" (empty: as the feed said).
    flags: Mapped[str] = mapped_column(String(200), default="")


class Sample(TenantScoped, _Keyed):
    """A raw history sample: free spaces of one facility at one moment (kept ``history_raw_days``)."""

    __tablename__ = "parking_sample"

    facility_id: Mapped[uuid.UUID] = mapped_column(
        GUID, ForeignKey("parking_facility.id", ondelete="CASCADE"), primary_key=True
    )
    observed_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), primary_key=True)
    free: Mapped[int] = mapped_column(Integer)
    # 1 open, 0 closed, NULL unknown: a number, so the row stays four columns wide.
    open: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)


class DayProfile(TenantScoped, _Keyed):
    """One facility's local day: the mean free spaces of each of its 96 quarter-hours (None: no data)."""

    __tablename__ = "parking_day"

    facility_id: Mapped[uuid.UUID] = mapped_column(
        GUID, ForeignKey("parking_facility.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    free: Mapped[list[int | None]] = mapped_column(JSON)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ImportRun(TenantOwned):
    """One pull of one source: what it accepted, repaired and rejected, and why (for staff)."""

    __tablename__ = "parking_import_run"
    __table_args__ = (Index("ix_parking_import_run_source", "tenant_id", "source", "part", "started_at"),)

    source: Mapped[str] = mapped_column(String(64))
    # "static" (names, places, capacities) or "realtime" (the live numbers).
    part: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    finished_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    repaired: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The first issues: [{"record": id, "field": ..., "message": ..., "action": "repaired|rejected"}].
    issues: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Favourite(TenantOwned):
    """A facility a device keeps at hand; its unexpected closure is pushed to the device."""

    __tablename__ = "parking_favourite"
    __table_args__ = (UniqueConstraint("device_id", "facility_id", name="uq_parking_favourite"),)

    device_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("core_device.id", ondelete="CASCADE"), index=True)
    facility_id: Mapped[uuid.UUID] = mapped_column(
        GUID, ForeignKey("parking_facility.id", ondelete="CASCADE"), index=True
    )


class SpaceAlert(TenantOwned):
    """ "Tell me when there is space": at a facility, or at any P+R site near a point.

    Pushed once when free spaces rise to ``threshold`` inside the time window; then disarmed
    until they fall below ``threshold - hysteresis`` again, and never twice within the cooldown.
    """

    __tablename__ = "parking_alert"
    __table_args__ = (
        CheckConstraint("threshold >= 1", name="threshold"),
        CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440 AND end_minute > 0 AND end_minute <= 1440", name="window"
        ),
    )

    device_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("core_device.id", ondelete="CASCADE"), index=True)
    facility_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID, ForeignKey("parking_facility.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # "any P+R near X": a point and a radius instead of a facility.
    lat: Mapped[float | None] = mapped_column(nullable=True)
    lon: Mapped[float | None] = mapped_column(nullable=True)
    radius_m: Mapped[int | None] = mapped_column(Integer, nullable=True)
    threshold: Mapped[int] = mapped_column(Integer)
    # ISO weekdays the alert is active on, e.g. "12345" (Monday to Friday).
    weekdays: Mapped[str] = mapped_column(String(7), default="1234567")
    # Local minutes of the day, start inclusive, end exclusive (420..540: 7:00 to 9:00).
    start_minute: Mapped[int] = mapped_column(Integer, default=0)
    end_minute: Mapped[int] = mapped_column(Integer, default=1440)
    armed: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


ALL_MODELS = (Facility, FacilityState, Sample, DayProfile, ImportRun, Favourite, SpaceAlert)
