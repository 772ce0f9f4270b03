"""The whole-city map, encoded once per change and served from memory until the next one.

The full map (no ``since``) of 2,000 facilities costs ~40 ms of Python to build; the version
check that decides whether the cached bytes are still the city's map costs two index reads.
The version is (facilities, their latest change, the latest state received): any import, staff
edit, closure or deletion moves it. The pins also change by the clock alone (a state turning
stale, a closure ending), so an entry is valid only until the next such moment. The cached
sync token is the one of the moment the bytes were built: older than now, so a client's next
delta repeats rather than misses. Process-wide, per engine (keyed by the database) and city.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import weakref
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.api import is_postgres, sync_token
from schemas import DeltaPage
from stadtkern_parking.mapview import map_rows, next_turn


@dataclass(frozen=True, slots=True)
class CityMap:
    """The encoded map of one city and when it stops being current."""

    version: tuple[Any, ...]
    body: bytes
    etag: str
    valid_until: dt.datetime


_MAPS: weakref.WeakKeyDictionary[AsyncEngine, dict[str, CityMap]] = weakref.WeakKeyDictionary()


# Plain SQL on a pooled connection, keyed by city by hand (tenancy covers ORM statements only):
# no session, no ORM compile, one round trip, for what every map request asks first.
VERSION_SQL = text(
    "SELECT (SELECT count(*) FROM parking_facility WHERE tenant_id = :city),"
    " (SELECT max(updated_at) FROM parking_facility WHERE tenant_id = :city),"
    " (SELECT max(received_at) FROM parking_state WHERE tenant_id = :city)"
)


async def map_version(engine: AsyncEngine | None, city: str, session: AsyncSession) -> tuple[Any, ...]:
    """What changes whenever a pin does (other than by the clock).

    On SQLite through the request's session: a second connection would wait for the session's
    write lock (SQLite transactions begin IMMEDIATE here), and there is no pool to spare anyway.
    """
    if engine is None or not is_postgres(engine):
        row = (await session.execute(VERSION_SQL, {"city": city})).one()
    else:
        async with engine.connect() as connection:
            row = (await connection.execute(VERSION_SQL, {"city": city})).one()
    return tuple(row)


def encode(items: list[Any], deleted: list[str], token: str) -> tuple[bytes, str]:
    """The body and its weak ETag (over the pins, not the token)."""
    digest = hashlib.blake2b(msgspec.json.encode([items, deleted]), digest_size=16).hexdigest()
    return msgspec.json.encode(DeltaPage(items=items, deleted=deleted, sync_token=token)), f'W/"{digest}"'


async def city_map(
    engine: AsyncEngine | None, city: str, session: AsyncSession, now: dt.datetime, stale_after: int
) -> CityMap:
    """The current map of the city, from memory when nothing changed since it was built."""
    version = await map_version(engine, city, session)
    cities = _MAPS.setdefault(engine, {}) if engine is not None else {}
    cached = cities.get(city)
    if cached is not None and cached.version == version and now < cached.valid_until:
        return cached
    items, closures = await map_rows(session, now, stale_after, None)
    body, etag = encode(items, [], sync_token(now))
    fresh = CityMap(version=version, body=body, etag=etag, valid_until=next_turn(items, closures, now, stale_after))
    cities[city] = fresh
    return fresh
