"""Tables: OCPI 2.2.1 Location → EVSE → Connector, each EVSE's status history, import reports and push partners."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import TenantOwned
from stadtkern_charging.ocpi.enums import ConnectorFormat, PowerType, Status
from stadtkern_charging.settings import SourceType

# waiting → notified (one push: free) → done (one more: taken again, here are alternatives); expired.
WatchState = Literal["waiting", "notified", "done", "expired"]

RESOURCE = "charging.location"


def new_id() -> uuid.UUID:
    """A fresh row id, time-ordered like the ones the base class assigns (set up front: no flush per row)."""
    try:
        from uuid_utils.compat import uuid7
    except ImportError:  # pragma: no cover
        return uuid.uuid4()
    return uuid7()


class Location(TenantOwned):
    """An OCPI Location as one source described it, with the raw record and what its import repaired."""

    __tablename__ = "charging_location"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "source_id", name="uq_charging_location_source"),
        Index("ix_charging_location_tenant_updated", "tenant_id", "updated_at"),
    )

    # Where the record came from: a source id of the city's settings (or "partner:<id>") and the
    # source's own key (OCPI: country_code*party_id*id; register: Ladeeinrichtungs-ID).
    source: Mapped[str] = mapped_column(String(48))
    source_id: Mapped[str] = mapped_column(String(120))
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    ocpi_id: Mapped[str] = mapped_column(String(36))
    publish: Mapped[bool] = mapped_column(Boolean, default=True)
    publish_allowed_to: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    address: Mapped[str] = mapped_column(String(255))
    city: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    state: Mapped[str | None] = mapped_column(String(60), nullable=True)
    country: Mapped[str] = mapped_column(String(3))
    # WGS 84 degrees; spatially indexed (charging_0001, core.api.create_point_index).
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    related_locations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    parking_type: Mapped[str | None] = mapped_column(String(24), nullable=True)
    directions: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # BusinessDetails {name, website, logo}
    operator: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    suboperator: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    owner: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The operator's name folded to lower case: what "operator include/exclude" compares.
    operator_key: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    facilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_zone: Mapped[str] = mapped_column(String(64))
    # Hours {twentyfourseven, regular_hours, exceptional_openings, exceptional_closings}; None: not told.
    opening_times: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # True when nothing restricts access (no hours given, or 24/7 without exceptions): "open now" skips them.
    always_open: Mapped[bool] = mapped_column(Boolean, default=True)
    charging_when_closed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    images: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    energy_mix: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Ways to pay (services/payment.py bits), from EVSE capabilities or the register's "Bezahlsysteme".
    payment_mask: Mapped[int] = mapped_column(Integer, default=0)
    # The ways to pay the source states itself (the register's "Bezahlsysteme"); capabilities add to them.
    declared_payment_mask: Mapped[int] = mapped_column(Integer, default=0)
    # True only where a source says so (a free tariff, a city's own free chargers); None: not known.
    free_of_charge: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    last_updated: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The same physical charge point described by a live source (services/merge.py): this static
    # record is then not listed on its own. A soft reference (no foreign key: SQLite keeps the R*Tree).
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True, index=True)

    evses: Mapped[list[Evse]] = relationship(
        back_populates="location", cascade="all, delete-orphan", order_by="Evse.uid", lazy="raise"
    )


class Evse(TenantOwned):
    """An OCPI EVSE: one car charges at a time; ``status`` is the live state, ``status_reported_at`` its age."""

    __tablename__ = "charging_evse"
    __table_args__ = (
        UniqueConstraint("location_id", "uid", name="uq_charging_evse_uid"),
        Index("ix_charging_evse_key", "tenant_id", "evse_key"),
    )

    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_location.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(36))
    evse_id: Mapped[str | None] = mapped_column(String(48), nullable=True)
    # The eMI3 EVSE id without separators, upper case: how records of several sources meet.
    evse_key: Mapped[str | None] = mapped_column(String(48), nullable=True)
    status: Mapped[Status] = mapped_column(String(12), default="UNKNOWN")
    # Since when the EVSE is in this status, and when a source last told us (data age, stale marking).
    status_since: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    status_reported_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    # True when the status comes from a live source (OCPI, AFIR status, a push partner), not a static register.
    live: Mapped[bool] = mapped_column(Boolean, default=False)
    status_schedule: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    floor_level: Mapped[str | None] = mapped_column(String(4), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    physical_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    directions: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    parking_restrictions: Mapped[list[str]] = mapped_column(JSON, default=list)
    images: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    last_updated: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))

    location: Mapped[Location] = relationship(back_populates="evses", lazy="raise")
    connectors: Mapped[list[Connector]] = relationship(
        back_populates="evse", cascade="all, delete-orphan", order_by="Connector.connector_id", lazy="raise"
    )


class Connector(TenantOwned):
    """An OCPI Connector; ``power_w`` is what it delivers at most (max_electric_power, else V x A x phases)."""

    __tablename__ = "charging_connector"
    __table_args__ = (
        UniqueConstraint("evse_id", "connector_id", name="uq_charging_connector_id"),
        Index("ix_charging_connector_plug", "location_id", "standard", "power_w"),
    )

    evse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_evse.id", ondelete="CASCADE"), index=True)
    # The location again, so that "a CCS plug of at least 50 kW" is one indexed lookup per location.
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_location.id", ondelete="CASCADE"))
    connector_id: Mapped[str] = mapped_column(String(36))
    standard: Mapped[str] = mapped_column(String(24))
    format: Mapped[ConnectorFormat] = mapped_column(String(6))
    power_type: Mapped[PowerType] = mapped_column(String(16))
    max_voltage: Mapped[int] = mapped_column(Integer)
    max_amperage: Mapped[int] = mapped_column(Integer)
    max_electric_power: Mapped[int | None] = mapped_column(Integer, nullable=True)
    power_w: Mapped[int] = mapped_column(Integer)
    tariff_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    terms_and_conditions: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_updated: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))

    evse: Mapped[Evse] = relationship(back_populates="connectors", lazy="raise")


class StatusChange(TenantOwned):
    """One change of an EVSE's status: the history drivers' "usually free at this hour" and staff alerts read."""

    __tablename__ = "charging_status_change"
    __table_args__ = (Index("ix_charging_status_change_evse", "evse_id", "at"),)

    evse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_evse.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    previous: Mapped[str | None] = mapped_column(String(12), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    source: Mapped[str] = mapped_column(String(48))

    # Only so that the unit of work inserts a new EVSE before its first history row.
    evse: Mapped[Evse] = relationship(lazy="raise")


class ImportRun(TenantOwned):
    """One run of one source: what was accepted, repaired and rejected, and why."""

    __tablename__ = "charging_import_run"
    __table_args__ = (Index("ix_charging_import_run_source", "tenant_id", "source", "started_at"),)

    source: Mapped[str] = mapped_column(String(48))
    kind: Mapped[SourceType] = mapped_column(String(16))
    started_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    repaired: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    # Records that lie outside the city's area (kept out, not an error).
    outside: Mapped[int] = mapped_column(Integer, default=0)
    # The first messages ({"record", "message"}), capped: a broken feed must not fill the table.
    messages: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The source's clock for the next incremental pull (OCPI date_from), set by a run that completed.
    next_date_from: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class Partner(TenantOwned):
    """A CPO that pushes its Locations to the city (OCPI receiver); staff issue its token, stored keyed-hashed."""

    __tablename__ = "charging_partner"
    __table_args__ = (
        UniqueConstraint("tenant_id", "country_code", "party_id", name="uq_charging_partner_party"),
        UniqueConstraint("token_hash", name="uq_charging_partner_token"),
    )

    name: Mapped[str] = mapped_column(String(100))
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    token_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_push_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class Favourite(TenantOwned):
    """A location a device keeps on its list."""

    __tablename__ = "charging_favourite"
    __table_args__ = (UniqueConstraint("device_id", "location_id", name="uq_charging_favourite"),)

    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("core_device.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_location.id", ondelete="CASCADE"), index=True)


class Watch(TenantOwned):
    """ "Tell me when it is free": a device waits for a location, or for a plug and power near a point."""

    __tablename__ = "charging_watch"
    __table_args__ = (Index("ix_charging_watch_open", "tenant_id", "state", "ends_at"),)

    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("core_device.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("charging_location.id", ondelete="CASCADE"), nullable=True
    )
    # Or anywhere within radius_m of (lat, lon); the device's own point, kept only for the window.
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    radius_m: Mapped[int | None] = mapped_column(Integer, nullable=True)
    plugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_power_w: Mapped[int | None] = mapped_column(Integer, nullable=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    state: Mapped[WatchState] = mapped_column(String(12), default="waiting")
    pushes: Mapped[int] = mapped_column(Integer, default=0)
    notified_evse_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    last_push_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class OutageAlert(TenantOwned):
    """A city-owned EVSE's out-of-order spell that staff were told about (once per spell)."""

    __tablename__ = "charging_outage_alert"
    __table_args__ = (UniqueConstraint("evse_id", "since", name="uq_charging_outage_alert"),)

    evse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_evse.id", ondelete="CASCADE"))
    since: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
