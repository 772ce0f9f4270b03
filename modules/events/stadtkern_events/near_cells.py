""" "Near me, soonest first" from grid cells on the occurrences, instead of walking the date order.

The list orders by start; a place filter on the events (``core.api.near``, a spatial index) cannot
give rows in that order. PostgreSQL then either walks the date index and looks up every event's
place (at 200,000 events: thousands of look-ups for a 2 km circle, 150 ms), or takes every event in
the circle and sorts all their dates. Both grow with the city.

So each occurrence carries its event's point and the grid cell it lies in, at three sizes, with an
index per size of (city, published, cell, start, …, lat, lon). A radius query takes the cells the
circle touches and asks each for its dates in start order, filtered by the exact distance on the
index's own columns (no event look-up until the page is chosen): ``UNION ALL`` of ordered per-cell
scans, which PostgreSQL merges in order (Merge Append) and stops after the page. SQLite runs the
same statement, each part through its index. The cells are those of the smallest size at which the
circle is no wider than a cell (at most 2 x 2 of them); a larger circle (beyond ``MAX_RADIUS_M``) holds so much of a
city that walking the date order finds the page quickly, and keeps ``core.api.near``.

Each cell part reads the starts from 6 hours before the window on; occurrences lasting longer that
started earlier and still run come from one part per duration class, city-wide through their own
index (``shapes.listed_parts``): they are few.

Occurrences are rebuilt whenever their event changes (services.rebuild_occurrences), so the copied
point never goes stale.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import Float, Integer, Select, bindparam, false, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import after_cursor, distance_m, distance_to, point_params
from stadtkern_events.models import Event, Occurrence
from stadtkern_events.shapes import after_condition, after_values, built_once, listed_parts, window_values

# (column, cell height in degrees of latitude, cell width in degrees of longitude, largest radius)
# A circle no wider than a cell touches at most 2 x 2 of them: few parts to plan and to merge
# (planning a part cost more than running it), each walking a cell the circle covers well.
LEVELS = (
    ("cell_s", 0.01, 0.015, 500.0),  # about 1.1 x 1.0 km at 51° N
    ("cell_m", 0.04, 0.06, 2_000.0),  # about 4.4 x 4.2 km
    ("cell_l", 0.16, 0.24, 8_000.0),  # about 17.8 x 16.8 km
)
MAX_RADIUS_M = LEVELS[-1][3]
METRES_PER_DEGREE = 111_195.0  # of latitude on the mean-radius sphere
_LAT_OFFSET, _LON_OFFSET, _ROW = 10_000, 30_000, 65_536  # cell numbers stay positive and below 2**31


def cell_number(lat: float, lon: float, height: float, width: float) -> int:
    """The grid cell of a point at one size (row and column of the cell folded into one integer)."""
    return (math.floor(lat / height) + _LAT_OFFSET) * _ROW + math.floor(lon / width) + _LON_OFFSET


def cells_of(lat: float | None, lon: float | None) -> dict[str, int | None]:
    """The cell columns of an occurrence at (lat, lon); None for an event without a place."""
    if lat is None or lon is None:
        return {column: None for column, *_ in LEVELS}
    return {column: cell_number(lat, lon, height, width) for column, height, width, _ in LEVELS}


def box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float] | None:
    """South, north, west, east of a box holding the circle (with a margin); None at a pole or the
    antimeridian (core.api.near handles those)."""
    dlat = radius_m / METRES_PER_DEGREE * 1.001 + 1e-9
    if abs(lat) + dlat >= 89:  # near a pole the longitudes of a circle are unbounded
        return None
    dlon = dlat / math.cos(math.radians(abs(lat) + dlat))
    if lon - dlon <= -180 or lon + dlon >= 180:
        return None
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _touched(lat: float, lon: float, radius_m: float, height: float, width: float) -> list[int] | None:
    bounds = box(lat, lon, radius_m)
    if bounds is None:
        return None
    dlat, dlon = lat - bounds[0], lon - bounds[2]
    cells = []
    for row in range(math.floor((lat - dlat) / height), math.floor((lat + dlat) / height) + 1):
        for col in range(math.floor((lon - dlon) / width), math.floor((lon + dlon) / width) + 1):
            # the cell's point nearest to the centre decides whether the circle reaches the cell
            near_lat = min(max(lat, row * height), (row + 1) * height)
            near_lon = min(max(lon, col * width), (col + 1) * width)
            if distance_m(near_lat, near_lon, lat, lon) <= radius_m * 1.001 + 1:
                cells.append((row + _LAT_OFFSET) * _ROW + col + _LON_OFFSET)
    return cells


def plan(lat: float, lon: float, radius_m: float) -> tuple[str, list[int]] | None:
    """The cell column and cells for a circle, or None when the circle should use core.api.near."""
    for column, height, width, largest in LEVELS:
        if radius_m <= largest:
            cells = _touched(lat, lon, radius_m, height, width)
            return None if cells is None else (column, cells)
    return None


def in_circle(
    session: AsyncSession,
    statement: Select[Any],
    lat: float,
    lon: float,
    radius_m: float,
    cells: tuple[str, list[int]],
    *,
    cursor: str | None,
    limit: int,
) -> tuple[Any, tuple[Any, Any]]:
    """``statement`` (rows of occurrences, its filters but no circle) within the circle, as a
    subquery, and the order of its rows.

    One part per cell, each with the cursor, its own start order and ``limit + 1`` rows, so each
    is served by its cell index and stops early; the page comes from at most cells x (limit + 1)
    rows. (A plain UNION ALL ordered outside is not merged in order by PostgreSQL 15: it would read
    every row of every cell and sort them.)"""
    column, numbers = cells
    cell = getattr(Occurrence, column)
    distance = distance_to(session, Occurrence, lat, lon)
    order = (Occurrence.starts_at, Occurrence.event_id)
    after = after_cursor(cursor, order)
    south, north, west, east = box(lat, lon, radius_m) or (-90.0, 90.0, -180.0, 180.0)
    # The box first: plain comparisons turn most rows of a cell the circle only grazes away
    # before the trigonometry of the exact distance runs.
    inside = [Occurrence.lat.between(south, north), Occurrence.lon.between(west, east), distance <= radius_m]
    parts = []
    for number in numbers:
        part = statement.where(cell == number, *inside, *([after] if after is not None else []))
        # each part in a subquery of its own: SQLite allows no ORDER BY/LIMIT on a compound's arms
        parts.append(select(part.order_by(*order).limit(limit + 1).subquery()))
    if not parts:
        parts.append(select(statement.where(false()).subquery()))
    found = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("near")
    return found, (found.c.starts_at, found.c.event_id)


# -- the page statement, built once per shape (see stadtkern_events.shapes) ----------------------

Shape = tuple[str, int, bool, bool]  # cell column, number of cells, hide cancelled, with a cursor
_ORDER = (Occurrence.starts_at, Occurrence.event_id)
POINT = "near"  # the name of the point's parameters (core.api.point_params)


def page_statement(
    session: AsyncSession,
    occurrence_columns: tuple[Any, ...],
    event_columns: tuple[Any, ...],
    shape: Shape,
) -> tuple[Select[Any], tuple[Any, Any]]:
    """The list's rows in a circle for ``shape`` (see :func:`page_values`), and their order."""
    return built_once(
        session, ("near", *shape), lambda: _build_page_statement(session, occurrence_columns, event_columns, shape)
    )


def _build_page_statement(
    session: AsyncSession, occurrence_columns: tuple[Any, ...], event_columns: tuple[Any, ...], shape: Shape
) -> tuple[Select[Any], tuple[Any, Any]]:
    column, cell_count, hide_cancelled, with_cursor = shape
    cell = getattr(Occurrence, column)
    distance = distance_to(session, Occurrence, 0.0, 0.0, param=POINT)
    inside = [
        # the box first: see in_circle
        Occurrence.lat.between(bindparam("south", type_=Float()), bindparam("north", type_=Float())),
        Occurrence.lon.between(bindparam("west", type_=Float()), bindparam("east", type_=Float())),
        distance <= bindparam("radius_m", type_=Float()),
        *([after_condition(_ORDER)] if with_cursor else []),
    ]
    recent, *earlier = listed_parts(hide_cancelled=hide_cancelled)

    def part(*conditions: Any) -> Select[Any]:
        ordered = select(*occurrence_columns).where(*conditions, *inside).order_by(*_ORDER)
        # the limit a parameter: the page size is the client's
        return select(ordered.limit(bindparam("part_limit", type_=Integer())).subquery())

    # Per cell the recent starts through its index; the long occurrences that started earlier
    # are few in the whole city, so a part per class reads them through their own index.
    parts = [part(*recent, cell == bindparam(f"cell_{i}", type_=Integer())) for i in range(cell_count)]
    parts += [part(*conditions) for conditions in earlier] if cell_count else [part(false())]
    found = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("near")
    page = select(*(found.c[c.key] for c in occurrence_columns), *event_columns)
    return page.join(Event, Event.id == found.c.event_id), (found.c.starts_at, found.c.event_id)


def page_values(
    lat: float,
    lon: float,
    radius_m: float,
    cells: tuple[str, list[int]],
    window: tuple[dt.datetime, dt.datetime],
    *,
    hide_cancelled: bool,
    cursor: str | None,
    limit: int,
) -> tuple[Shape, dict[str, Any]]:
    """The shape of a near page and the values of its parameters."""
    column, numbers = cells
    south, north, west, east = box(lat, lon, radius_m) or (-90.0, 90.0, -180.0, 180.0)
    values: dict[str, Any] = {**window_values(*window), "radius_m": radius_m}
    values["part_limit"] = limit + 1
    values.update(south=south, north=north, west=west, east=east, **point_params(POINT, lat, lon))
    values.update({f"cell_{i}": number for i, number in enumerate(numbers)})
    if cursor:
        values.update(after_values(cursor, _ORDER))
    return (column, len(numbers), hide_cancelled, bool(cursor)), values
