"""Records into rows: a Location, its EVSEs and connectors written as one source described them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from stadtkern_charging import payment
from stadtkern_charging.models import Connector, Evse, Location, StatusChange, new_id
from stadtkern_charging.ocpi.hours import always_open
from stadtkern_charging.ocpi.records import ConnectorRecord, EvseRecord, LocationRecord
from stadtkern_charging.services.merge import merge_location
from stadtkern_charging.services.status import evse_key, set_status

_LOCATION_COPIED = [
    "country_code",
    "party_id",
    "ocpi_id",
    "publish",
    "publish_allowed_to",
    "name",
    "address",
    "city",
    "postal_code",
    "state",
    "country",
    "lat",
    "lon",
    "related_locations",
    "parking_type",
    "directions",
    "operator",
    "suboperator",
    "owner",
    "facilities",
    "time_zone",
    "opening_times",
    "charging_when_closed",
    "images",
    "energy_mix",
    "last_updated",
    "raw",
    "warnings",
]
_EVSE_COPIED = [
    "evse_id",
    "status_schedule",
    "capabilities",
    "floor_level",
    "lat",
    "lon",
    "physical_reference",
    "directions",
    "parking_restrictions",
    "images",
    "last_updated",
]
_CONNECTOR_COPIED = [
    "standard",
    "format",
    "power_type",
    "max_voltage",
    "max_amperage",
    "max_electric_power",
    "tariff_ids",
    "terms_and_conditions",
    "last_updated",
]


def tree() -> list[ExecutableOption]:
    """Loader options for a Location with its EVSEs and their connectors."""
    return [selectinload(Location.evses).selectinload(Evse.connectors)]


async def find_location(session: AsyncSession, source: str, source_id: str) -> Location | None:
    """The row a source's record landed in, with its EVSEs and connectors."""
    stmt = select(Location).where(Location.source == source, Location.source_id == source_id).options(*tree())
    return (await session.scalars(stmt)).one_or_none()


def _copy_connector(row: Connector, record: ConnectorRecord) -> None:
    for name in _CONNECTOR_COPIED:
        setattr(row, name, getattr(record, name))
    row.power_w = record.power_w


def connector_record(row: Connector) -> ConnectorRecord:
    """A stored connector as a record again (to rewrite an EVSE's connectors around one that changed)."""
    return ConnectorRecord(connector_id=row.connector_id, **{name: getattr(row, name) for name in _CONNECTOR_COPIED})


def write_connectors(evse: Evse, location: Location, records: list[ConnectorRecord]) -> None:
    """The EVSE's connectors become exactly ``records`` (an EVSE's connectors are replaced whole)."""
    existing = {c.connector_id: c for c in evse.connectors}
    kept = []
    for record in records:
        row = existing.pop(record.connector_id, None) or Connector(id=new_id(), connector_id=record.connector_id)
        row.location_id = location.id
        _copy_connector(row, record)
        kept.append(row)
    evse.connectors = kept


def write_evse(
    session: AsyncSession, location: Location, row: Evse | None, record: EvseRecord, *, source: str, live: bool
) -> Evse:
    """An EVSE written from its record; a status change lands in the history."""
    if row is None:
        row = Evse(id=new_id(), uid=record.uid, status=record.status, status_since=None, connectors=[])
        location.evses.append(row)
    for name in _EVSE_COPIED:
        setattr(row, name, getattr(record, name))
    row.evse_key = evse_key(record.evse_id)
    # A pulled or pushed status is what the source vouches for now (last_updated is when the object changed).
    set_status(session, row, record.status, source=source, live=live)
    write_connectors(row, location, record.connectors)
    return row


def refresh_location(location: Location) -> None:
    """What the location derives from its parts: payment from EVSE capabilities, "always open"."""
    mask = location.declared_payment_mask
    for evse in location.evses:
        mask |= payment.from_capabilities(evse.capabilities)
    location.payment_mask = mask
    location.always_open = always_open(location.opening_times)
    name = (location.operator or {}).get("name")
    location.operator_key = name.casefold()[:100] if isinstance(name, str) else None


async def write_location(session: AsyncSession, source: str, record: LocationRecord) -> Location:
    """Create or replace the source's Location (OCPI PUT semantics): EVSEs it no longer lists are REMOVED."""
    row = await find_location(session, source, record.source_id)
    if row is None:
        row = Location(id=new_id(), source=source, source_id=record.source_id, evses=[])
        session.add(row)
    for name in _LOCATION_COPIED:
        setattr(row, name, getattr(record, name))
    row.free_of_charge = record.free_of_charge
    row.declared_payment_mask = record.payment_mask
    existing = {e.uid: e for e in row.evses}
    for evse in record.evses:
        write_evse(session, row, existing.pop(evse.uid, None), evse, source=source, live=record.live)
    for gone in existing.values():
        set_status(session, gone, "REMOVED", source=source, live=record.live)
    refresh_location(row)
    await session.flush()
    await merge_location(session, row)
    return row


__all__ = ["StatusChange", "find_location", "refresh_location", "tree", "write_evse", "write_location"]
