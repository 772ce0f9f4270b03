"""Nearest matching locations from the in-memory records: the same answers as the database path.

``services/query.py`` asks the database (the spatial index, then every row in the circle measured
and sorted): ~15 ms of one core per page at 20,000 locations. Here the records sit in a grid of
cells about 1.1 km wide; the cells are visited nearest first, and the search stops as soon as the
nearest remaining cell is farther than the page's last match. The distance is core.api's
``distance_m``, the very formula both databases evaluate, and pages are keyed on (distance, id)
with the cursor format of ``core.api.paginate_by_distance``, so a page, its order and its cursor
are what the database path gives (tests/test_charging_nearby.py compares the two on both
databases). The filters are the database path's conditions, written once more in Python:
:func:`matches` mirrors ``query.statement`` and ``query.listed``.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt
import functools
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable

import msgspec

from core.api import Invalid, distance_m
from stadtkern_charging import payment
from stadtkern_charging.ocpi.hours import is_open
from stadtkern_charging.services.query import Filters
from stadtkern_charging.services.snapshot import CachedLocation

CELL_LAT = 0.01  # degrees: ~1.1 km
CELL_LON = 0.016  # degrees: ~1.1 km at 51 degrees north
METRES_PER_DEGREE = 111_195.0  # on the mean-radius sphere distance_m uses
# A cell's lower bound is the distance to the nearest point of its rectangle in degrees, shrunk a
# little: on a sphere that point is not exactly the nearest, but within far less than this.
BOUND_SLACK = 0.995
Key = tuple[float, uuid.UUID]


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_LAT), math.floor(lon / CELL_LON)


class Grid:
    """The records by cell."""

    def __init__(self, locations: Iterable[CachedLocation]) -> None:
        self.cells: dict[tuple[int, int], list[CachedLocation]] = defaultdict(list)
        for location in locations:
            self.cells[_cell(location.lat, location.lon)].append(location)

    def nearest_cells(self, lat: float, lon: float, radius_m: float) -> list[tuple[float, list[CachedLocation]]]:
        """The occupied cells that may hold a point within the radius, with a lower bound of their
        distance, nearest first; every cell near a pole or the antimeridian (rare; no bound used)."""
        d_lat = radius_m / METRES_PER_DEGREE
        cos_lat = math.cos(math.radians(min(89.9, abs(lat) + d_lat)))
        d_lon = d_lat / cos_lat
        if abs(lat) + d_lat >= 89 or abs(lon) + d_lon >= 179.9:
            return [(0.0, rows) for rows in self.cells.values()]
        (south, west), (north, east) = _cell(lat - d_lat, lon - d_lon), _cell(lat + d_lat, lon + d_lon)
        found = []
        for i in range(south, north + 1):
            for j in range(west, east + 1):
                rows = self.cells.get((i, j))
                if rows:
                    found.append((_lower_bound(lat, lon, i, j), rows))
        found.sort(key=lambda pair: pair[0])
        return found


def _lower_bound(lat: float, lon: float, i: int, j: int) -> float:
    near_lat = min(max(lat, i * CELL_LAT), (i + 1) * CELL_LAT)
    near_lon = min(max(lon, j * CELL_LON), (j + 1) * CELL_LON)
    if near_lat == lat and near_lon == lon:
        return 0.0
    return distance_m(near_lat, near_lon, lat, lon) * BOUND_SLACK - 1.0


@functools.lru_cache(maxsize=256)
def _folded_cached(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(n.casefold() for n in names)


def matches(location: CachedLocation, filters: Filters, now: dt.datetime, fresh_since: dt.datetime) -> bool:
    """``query.statement``'s conditions and ``query.listed``'s post-filters, on one record."""
    if filters.operators and location.operator_key not in _folded_cached(filters.operators):
        return False
    if filters.exclude_operators and (location.operator_key or "") in _folded_cached(filters.exclude_operators):
        return False
    if filters.free_of_charge and location.free_of_charge is not True:
        return False
    if filters.payment and not location.payment_mask & payment.mask(filters.payment):
        return False
    if filters.on_connector and not _connector_fits(location, filters, fresh_since):
        return False
    if not any(e.status != "REMOVED" for e in location.evses):
        return False
    return not filters.open_now or location.always_open or is_open(location.opening_times, location.time_zone, now)


def _connector_fits(location: CachedLocation, filters: Filters, fresh_since: dt.datetime) -> bool:
    """Some connector of an EVSE that is not removed fits every connector condition at once."""
    for evse in location.evses:
        if evse.status == "REMOVED":
            continue
        if filters.available_now and not (
            evse.status == "AVAILABLE"
            and evse.live
            and evse.status_reported_at is not None
            and evse.status_reported_at >= fresh_since
        ):
            continue
        for connector in evse.connectors:
            if filters.plugs and connector.standard not in filters.plugs:
                continue
            if filters.min_power_w is not None and connector.power_w < filters.min_power_w:
                continue
            if filters.max_power_w is not None and connector.power_w > filters.max_power_w:
                continue
            return True
    return False


def encode_cursor(key: Key) -> str:
    """The cursor of ``core.api.paginate_by_distance``: [distance, id] as JSON, base64url."""
    return base64.urlsafe_b64encode(msgspec.json.encode([key[0], str(key[1])])).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    """The (distance, id) after which the next page starts; a 422 naming ``query.cursor`` otherwise."""
    malformed = Invalid("query.cursor", "malformed cursor; use the value the previous page returned")
    try:
        raw = msgspec.json.decode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(raw, list) and len(raw) == 2 and isinstance(raw[0], int | float) and isinstance(raw[1], str):
            return float(raw[0]), uuid.UUID(raw[1])
    except (binascii.Error, msgspec.DecodeError, ValueError):
        pass
    raise malformed


def nearest_records(
    grid: Grid,
    filters: Filters,
    lat: float,
    lon: float,
    radius_m: float,
    *,
    now: dt.datetime,
    fresh_since: dt.datetime,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[CachedLocation, float]], str | None]:
    """Matching records within the radius, nearest first after the cursor, and the next cursor."""
    after = decode_cursor(cursor) if cursor else None
    need = limit + 1  # one more tells whether there is a next page
    found: list[tuple[float, uuid.UUID, CachedLocation]] = []
    for bound, rows in grid.nearest_cells(lat, lon, radius_m):
        if bound > radius_m or (len(found) >= need and bound > found[-1][0]):
            break
        for location in rows:
            distance = distance_m(location.lat, location.lon, lat, lon)
            if distance > radius_m or (after is not None and (distance, location.id) <= after):
                continue
            if len(found) >= need and (distance, location.id) >= found[-1][:2]:
                continue
            if not matches(location, filters, now, fresh_since):
                continue
            bisect.insort(found, (distance, location.id, location), key=lambda entry: entry[:2])
            del found[need:]
    page = found[:limit]
    next_cursor = encode_cursor(page[-1][:2]) if len(found) > limit else None
    return [(location, distance) for distance, _, location in page], next_cursor
