"""The city's charge points in memory, for the residents' list: compact records, never stale.

A list request asks for the nearest matches around its own point, so no two requests share a
page; what they share is the data. Each API process keeps, per city, the published locations
with their EVSEs and connectors as small records (what the list filters on and shows), and checks
before every list that they are current (services/versions.py explains the versions):

* the two versions are read first, in a read that started after the request arrived, so a write
  committed before the request is seen;
* ``version`` moved: the records are rebuilt from the database; only ``status_version`` moved:
  the EVSEs' statuses are read again and applied (the frequent case, one narrow query);
* the data is read *after* the versions, so the records may be newer than the version they are
  stored under (a later check then reloads what is already current: harmless), never older.

What depends on the clock alone (a status turning stale, opening hours) is decided per request
from the records, as the database path decides it. The distance search is services/nearby.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.api import CacheMeter, is_postgres
from stadtkern_charging.models import Connector, Evse, Location

# Hits (current records), status refreshes and rebuilds per city on /metrics.
LOOKUPS = CacheMeter("charging", "locations")
VERSION_SQL = text("SELECT version, status_version FROM charging_version WHERE tenant_id = :city")


@dataclass(slots=True)
class CachedConnector:
    """What the list shows and filters of a connector."""

    standard: str
    power_type: str
    power_w: int


@dataclass(slots=True)
class CachedEvse:
    """An EVSE's identity and live status (refreshed in place when only statuses change)."""

    id: uuid.UUID
    uid: str
    status: str
    live: bool
    status_reported_at: dt.datetime | None
    connectors: list[CachedConnector] = field(default_factory=list)


@dataclass(slots=True)
class CachedLocation:
    """A published location, with the attributes the list's views read from a ``Location`` row."""

    id: uuid.UUID
    name: str | None
    address: str
    postal_code: str | None
    city: str
    lat: float
    lon: float
    operator: dict[str, Any] | None
    operator_key: str | None
    parking_type: str | None
    free_of_charge: bool | None
    payment_mask: int
    always_open: bool
    opening_times: dict[str, Any] | None
    time_zone: str
    evses: list[CachedEvse] = field(default_factory=list)


@dataclass(slots=True)
class CitySnapshot:
    """One city's records and the versions they were read under."""

    version: int
    status_version: int
    locations: list[CachedLocation]
    evses: dict[uuid.UUID, CachedEvse]
    grid: Any  # services.nearby.Grid, built with the records


LOCATION_COLUMNS = (
    Location.id,
    Location.name,
    Location.address,
    Location.postal_code,
    Location.city,
    Location.lat,
    Location.lon,
    Location.operator,
    Location.operator_key,
    Location.parking_type,
    Location.free_of_charge,
    Location.payment_mask,
    Location.always_open,
    Location.opening_times,
    Location.time_zone,
)
STATUS_COLUMNS = (Evse.id, Evse.status, Evse.live, Evse.status_reported_at)


async def read_versions(engine: AsyncEngine | None, city: str, session: AsyncSession) -> tuple[int, int]:
    """The city's (version, status_version); (-1, -1) without a row: never current, always read.

    PostgreSQL: on a pooled connection of its own, one round trip, no session. SQLite: through
    the request's session (a second connection would wait for the session's write lock)."""
    if engine is not None and is_postgres(engine):
        async with engine.connect() as connection:
            row = (await connection.execute(VERSION_SQL, {"city": city})).first()
    else:
        row = (await session.execute(VERSION_SQL, {"city": city})).first()
    return (-1, -1) if row is None else (int(row[0]), int(row[1]))


async def _load(session: AsyncSession) -> tuple[list[CachedLocation], dict[uuid.UUID, CachedEvse]]:
    """Every published location of the session's city that is not merged into another, in id order."""
    stmt = (
        select(*LOCATION_COLUMNS)
        .where(Location.publish.is_(True), Location.merged_into_id.is_(None))
        .order_by(Location.id)
    )
    locations = {row.id: CachedLocation(*row) for row in (await session.execute(stmt)).all()}
    evses: dict[uuid.UUID, CachedEvse] = {}
    evse_rows = await session.execute(select(Evse.location_id, Evse.uid, *STATUS_COLUMNS).order_by(Evse.id))
    for location_id, uid, evse_id, status, live, reported in evse_rows.all():
        owner = locations.get(location_id)
        if owner is not None:
            evse = CachedEvse(id=evse_id, uid=uid, status=status, live=live, status_reported_at=reported)
            owner.evses.append(evse)
            evses[evse_id] = evse
    plugs = select(Connector.evse_id, Connector.standard, Connector.power_type, Connector.power_w)
    for evse_id, standard, power_type, power_w in (await session.execute(plugs.order_by(Connector.id))).all():
        found = evses.get(evse_id)
        if found is not None:
            found.connectors.append(CachedConnector(standard=standard, power_type=power_type, power_w=power_w))
    return list(locations.values()), evses


async def _refresh_statuses(session: AsyncSession, evses: dict[uuid.UUID, CachedEvse]) -> None:
    for evse_id, status, live, reported in (await session.execute(select(*STATUS_COLUMNS))).all():
        found = evses.get(evse_id)
        if found is not None:
            found.status, found.live, found.status_reported_at = status, live, reported


class SnapshotCache:
    """Per process: one snapshot per (engine, city), loaded by one request at a time."""

    def __init__(self) -> None:
        self._snapshots: weakref.WeakKeyDictionary[AsyncEngine, dict[str, CitySnapshot]] = weakref.WeakKeyDictionary()
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    async def current(self, engine: AsyncEngine | None, city: str, session: AsyncSession) -> CitySnapshot:
        """The city's records, as current as the versions read at the start of this call."""
        from stadtkern_charging.services.nearby import Grid

        version, status_version = await read_versions(engine, city, session)
        if engine is None:  # no engine to key the records by: built for this call alone
            locations, evses = await _load(session)
            return CitySnapshot(version, status_version, locations, evses, Grid(locations))
        cities = self._snapshots.setdefault(engine, {})
        known = cities.get(city)
        if known is not None and version >= 0 and known.version == version and known.status_version >= status_version:
            LOOKUPS.hit(city)
            return known
        async with self._locks.setdefault((id(engine), city), asyncio.Lock()):
            known = cities.get(city)  # another request may have loaded it meanwhile
            if (
                known is not None
                and version >= 0
                and known.version == version
                and known.status_version >= status_version
            ):
                LOOKUPS.hit(city)
                return known
            LOOKUPS.miss(city)
            if known is not None and known.version == version:
                await _refresh_statuses(session, known.evses)
                known.status_version = status_version
                return known
            locations, evses = await _load(session)
            fresh = CitySnapshot(version, status_version, locations, evses, Grid(locations))
            cities[city] = fresh
            return fresh


SNAPSHOTS = SnapshotCache()
