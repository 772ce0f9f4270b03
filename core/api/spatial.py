"""Points near a point, index-backed and with the same answers on PostgreSQL and SQLite.

A module's table keeps its point in two ``Float`` columns, ``lat`` and ``lon`` (WGS 84 degrees,
both or neither NULL). Its migration declares the index once, :func:`create_point_index` (PostGIS
GiST on PostgreSQL, an R*Tree kept in sync by triggers on SQLite; see ``core.spatial_index``), and
its queries ask through :func:`near`, :func:`distance_to` and :func:`paginate_by_distance`.

How a radius query runs, on both databases alike: the index yields the rows in the bounding box of
the circle (computed here once, split at the antimeridian, widened to whole longitudes at a pole),
and the exact great-circle distance on the mean-radius sphere (:func:`distance_m`) decides. The
distance is the same sequence of floating-point operations in PostgreSQL's SQL and in the Python
function SQLite calls, so a point 1 mm inside the radius is inside on both. (PostGIS geography's
``ST_DWithin`` would measure on the spheroid, or on its sphere by another formula: close, but a
boundary case could then differ between the databases.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from core import spatial_index
from core.api.dialect import Bindable, is_postgres
from core.api.paging import DEFAULT_LIMIT, paginate_by_score

__all__ = [
    "create_point_index",
    "distance_m",
    "distance_to",
    "drop_point_index",
    "near",
    "paginate_by_distance",
]

Box = tuple[float, float, float, float]  # south, north, west, east (degrees)
# The box is widened by this factor: it must hold every point the exact test accepts, whatever the
# last bits of the trigonometry (the exact test removes what the margin lets in).
BOX_MARGIN = 1e-9


def distance_m(lat: float, lon: float, lat0: float, lon0: float) -> float:
    """Great-circle distance in metres between two WGS 84 points: what both databases compute."""
    return spatial_index.great_circle_m(lat, lon, lat0, lon0)


def create_point_index(bind: Connection, table: str) -> None:
    """In a migration's ``upgrade()``: index ``table``'s ``lat``/``lon`` (creates PostGIS if missing)."""
    spatial_index.create(bind, table)


def drop_point_index(bind: Connection, table: str) -> None:
    """In a migration's ``downgrade()`` (and before a SQLite table rebuild): the index of ``table`` goes."""
    spatial_index.drop(bind, table)


def _check(lat: float, lon: float, radius_m: float | None = None) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"({lat}, {lon}) is not a WGS 84 coordinate")
    if radius_m is not None and not (radius_m >= 0 and math.isfinite(radius_m)):
        raise ValueError(f"radius {radius_m} m must be a finite number >= 0")


def bounding_boxes(lat: float, lon: float, radius_m: float) -> list[Box]:
    """The one or two boxes (split at the antimeridian) holding every point within ``radius_m``."""
    angle = radius_m / spatial_index.EARTH_RADIUS_M * (1 + BOX_MARGIN) + BOX_MARGIN * 1e-3
    dlat = math.degrees(angle)
    south, north = lat - dlat, lat + dlat
    if south <= -90 or north >= 90:  # the circle holds a pole: every longitude
        return [(max(south, -90.0), min(north, 90.0), -180.0, 180.0)]
    # The circle's widest longitude (at a slightly higher latitude than its centre): exact on the sphere.
    dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
    west, east = lon - dlon, lon + dlon
    if east - west >= 360:
        return [(south, north, -180.0, 180.0)]
    if west < -180:
        return [(south, north, west + 360, 180.0), (south, north, -180.0, east)]
    if east > 180:
        return [(south, north, west, 180.0), (south, north, -180.0, east - 360)]
    return [(south, north, west, east)]


def _f(value: float) -> ColumnElement[float]:
    return literal(value, Float())


def _inline(value: float) -> ColumnElement[float]:
    # Written into the SQL when it is executed (SQLAlchemy's compiled cache still holds one entry):
    # with the box as parameters PostgreSQL settles on a generic plan after five executions, which
    # estimates every box as tiny and walks the index even for a 5 km circle holding 30,000 rows;
    # with the box in the SQL each query is planned for its own box (index, or the date order).
    return bindparam(None, value, Float(), literal_execute=True)


def distance_to(
    bind: Bindable, model: type[Any], lat: float, lon: float, *, param: str | None = None
) -> ColumnElement[float]:
    """SQL for the great-circle distance in metres from ``model``'s point to (lat, lon); NULL without one.

    With ``param``, the point goes in as bound parameters named after it, so that a statement built
    once can run for any point: pass ``point_params(param, lat, lon)`` when executing it."""
    _check(lat, lon)
    row_lat, row_lon = model.lat, model.lon
    if param is None:
        at_lat, at_lon, cos_lat0 = _f(lat), _f(lon), _f(math.cos(lat * spatial_index.RAD))
    else:
        at_lat, at_lon, cos_lat0 = (bindparam(f"{param}_{k}", v, Float()) for k, v in _point(lat, lon).items())
    if not is_postgres(bind):
        return func.stadtkern_distance_m(row_lat, row_lon, at_lat, at_lon, type_=Float())  # type: ignore[no-any-return]
    # spatial_index.great_circle_m, operation for operation (same order, same constants as binds).
    half = _f(spatial_index.HALF_RAD)
    s_lat = func.sin((row_lat - at_lat) * half, type_=Float())
    s_lon = func.sin((row_lon - at_lon) * half, type_=Float())
    cos_lat = func.cos(row_lat * _f(spatial_index.RAD), type_=Float())
    a = s_lat * s_lat + cos_lat * cos_lat0 * s_lon * s_lon
    root = func.sqrt(func.least(a, _f(1.0), type_=Float()), type_=Float())
    return _f(spatial_index.DIAMETER_M) * func.asin(root, type_=Float())


def _point(lat: float, lon: float) -> dict[str, float]:
    return {"lat": lat, "lon": lon, "cos": math.cos(lat * spatial_index.RAD)}


def point_params(param: str, lat: float, lon: float) -> dict[str, float]:
    """The values of a ``distance_to(..., param=param)`` expression for the point (lat, lon)."""
    _check(lat, lon)
    return {f"{param}_{k}": v for k, v in _point(lat, lon).items()}


def _in_boxes(bind: Bindable, model: type[Any], boxes: list[Box]) -> ColumnElement[bool]:
    """The index's part: rows whose point lies in one of ``boxes``."""
    mapped = model.__table__
    if is_postgres(bind):
        point = func.ST_SetSRID(func.ST_MakePoint(model.lon, model.lat), literal_column("4326"))
        envelopes = [func.ST_MakeEnvelope(*map(_inline, (w, s, e, n)), literal_column("4326")) for s, n, w, e in boxes]
        return or_(*(point.op("&&", is_comparison=True)(envelope) for envelope in envelopes))
    rtree = table(
        spatial_index.rtree_name(mapped.name),
        column("id", Integer()),
        *(column(name, Float()) for name in ("min_lat", "max_lat", "min_lon", "max_lon")),
    )
    # Overlap, not containment: the R*Tree stores 32-bit floats rounded outwards.
    parts = [
        select(rtree.c.id).where(rtree.c.max_lat >= s, rtree.c.min_lat <= n, rtree.c.max_lon >= w, rtree.c.min_lon <= e)
        for s, n, w, e in boxes
    ]
    rowid = column("rowid", Integer(), _selectable=mapped)
    return or_(*(rowid.in_(part) for part in parts))


def near(
    bind: Bindable,
    statement: Select[Any],
    model: type[Any],
    lat: float,
    lon: float,
    radius_m: float,
    *,
    order_by_distance: bool = False,
) -> Select[Any]:
    """``statement`` limited to rows of ``model`` within ``radius_m`` metres of (lat, lon), via the index.

    ``bind`` (a session or connection) picks the database's SQL; ``model`` is a mapped class with
    ``lat``/``lon`` and a :func:`create_point_index`. ``order_by_distance`` adds nearest first.
    Validate user input before (a 422 naming the field): out-of-range values raise ``ValueError``."""
    _check(lat, lon, radius_m)
    distance = distance_to(bind, model, lat, lon)
    statement = statement.where(and_(_in_boxes(bind, model, bounding_boxes(lat, lon, radius_m)), distance <= radius_m))
    return statement.order_by(distance) if order_by_distance else statement


async def paginate_by_distance(
    session: AsyncSession,
    statement: Select[Any],
    model: type[Any],
    lat: float,
    lon: float,
    then_by: Sequence[InstrumentedAttribute[Any]],
    *,
    cursor: str | None,
    limit: int = DEFAULT_LIMIT,
) -> tuple[list[tuple[Any, float]], str | None]:
    """Nearest first, keyset-paged on (distance, *then_by); ``then_by`` must end in a unique column.

    Returns ``(row, distance_m)`` pairs (``row``: the statement's first column) and the next cursor.
    Give it a :func:`near` statement (else every row is measured); its own ordering is replaced.
    The cursor carries the database's own distance of the last row, so pages neither repeat nor
    skip rows, also among rows at the same distance."""
    distance = distance_to(session, model, lat, lon)
    # A row without a point has no distance: NULLs sort first on SQLite and last on PostgreSQL.
    statement = statement.where(model.lat.is_not(None), model.lon.is_not(None))
    rows, next_cursor, _ = await paginate_by_score(
        session, statement, distance, then_by, cursor=cursor, limit=limit, highest_first=False
    )
    return rows, next_cursor
