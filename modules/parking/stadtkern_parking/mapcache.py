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
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.api import sync_token
from schemas import DeltaPage
from stadtkern_parking.mapview import map_rows, next_turn
from stadtkern_parking.models import Facility, FacilityState


@dataclass(frozen=True, slots=True)
class CityMap:
    """The encoded map of one city and when it stops being current."""

    version: tuple[Any, ...]
    body: bytes
    etag: str
    valid_until: dt.datetime


_MAPS: weakref.WeakKeyDictionary[AsyncEngine, dict[str, CityMap]] = weakref.WeakKeyDictionary()


async def map_version(session: AsyncSession) -> tuple[Any, ...]:
    """What changes whenever a pin does (other than by the clock)."""
    facilities = select(func.count(), func.max(Facility.updated_at)).subquery()
    received = select(func.max(FacilityState.received_at)).scalar_subquery()
    row = (await session.execute(select(facilities, received))).one()  # one round trip
    return tuple(row)


def encode(items: list[Any], deleted: list[str], token: str) -> tuple[bytes, str]:
    """The body and its weak ETag (over the pins, not the token)."""
    digest = hashlib.blake2b(msgspec.json.encode([items, deleted]), digest_size=16).hexdigest()
    return msgspec.json.encode(DeltaPage(items=items, deleted=deleted, sync_token=token)), f'W/"{digest}"'


async def city_map(
    engine: AsyncEngine | None, city: str, session: AsyncSession, now: dt.datetime, stale_after: int
) -> CityMap:
    """The current map of the city, from memory when nothing changed since it was built."""
    version = await map_version(session)
    cities = _MAPS.setdefault(engine, {}) if engine is not None else {}
    cached = cities.get(city)
    if cached is not None and cached.version == version and now < cached.valid_until:
        return cached
    items, closures = await map_rows(session, now, stale_after, None)
    body, etag = encode(items, [], sync_token(now))
    fresh = CityMap(version=version, body=body, etag=etag, valid_until=next_turn(items, closures, now, stale_after))
    cities[city] = fresh
    return fresh
