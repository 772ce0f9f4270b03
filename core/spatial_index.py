"""The database side of ``core.api.spatial``: PostGIS GiST on PostgreSQL, an R*Tree on SQLite.

Both index the same thing, a table's ``lat``/``lon`` columns (WGS 84 degrees), as a box in degrees;
``core.api.spatial`` asks them for candidates in a bounding box and filters those by the exact
great-circle distance, the same formula on both databases.

* **PostgreSQL**: a GiST expression index on ``ST_SetSRID(ST_MakePoint(lon, lat), 4326)`` (PostGIS
  geometry). No extra column to keep in sync: PostgreSQL maintains the index with the row.
  Geometry rather than geography: the ``&&`` box test needs no ``spatial_ref_sys`` row (geography
  distance looks up the spheroid of SRID 4326 there), and the exact test is ours on both databases.
* **SQLite**: a virtual table ``rtree_<table>(id, min_lat, max_lat, min_lon, max_lon)`` whose ``id``
  is the row's ``rowid``, filled from the table and kept in sync by three triggers (insert, update
  of ``lat``/``lon``, delete). The distance function the exact test calls is registered on every
  SQLite connection (:func:`register_sqlite_function`).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from core.errors import StartupError

SQLITE_DISTANCE = "stadtkern_distance_m"
POSTGIS = "postgis"
# PostgreSQL truncates longer identifiers silently; two tables could then share an index name.
MAX_IDENTIFIER = 63

# The mean radius of the WGS 84 ellipsoid (IUGG R1 = (2a + b) / 3), the sphere PostGIS also uses
# for its spherical distances; every distance here is on this sphere, on both databases.
EARTH_RADIUS_M = 6_371_008.8
DIAMETER_M = 2 * EARTH_RADIUS_M
RAD = math.pi / 180
HALF_RAD = RAD / 2


def great_circle_m(lat: float, lon: float, lat0: float, lon0: float) -> float:
    """Haversine distance in metres; PostgreSQL evaluates the very same operations in SQL
    (``core.api.spatial``), so both databases compute bit-identical distances on one machine."""
    s_lat = math.sin((lat - lat0) * HALF_RAD)
    s_lon = math.sin((lon - lon0) * HALF_RAD)
    a = s_lat * s_lat + math.cos(lat * RAD) * math.cos(lat0 * RAD) * s_lon * s_lon
    return DIAMETER_M * math.asin(math.sqrt(min(a, 1.0)))


def _sqlite_distance(lat: float | None, lon: float | None, lat0: float | None, lon0: float | None) -> float | None:
    if lat is None or lon is None or lat0 is None or lon0 is None:
        return None
    return great_circle_m(lat, lon, lat0, lon0)


@event.listens_for(Engine, "connect")
def register_sqlite_function(dbapi_connection: Any, _record: Any) -> None:
    """Every new SQLite connection of every engine gets the distance function (PostgreSQL
    connections have no ``create_function`` and are left alone)."""
    create_function = getattr(dbapi_connection, "create_function", None)
    if create_function is not None:
        # deterministic: SQLite may evaluate it once per row and use it where only such functions may go
        create_function(SQLITE_DISTANCE, 4, _sqlite_distance, deterministic=True)


def index_name(table: str) -> str:
    """The GiST index of ``table``'s points on PostgreSQL."""
    return _checked(f"ix_{table}_point")


def rtree_name(table: str) -> str:
    """The R*Tree of ``table``'s points on SQLite (its shadow tables add ``_node``, ``_rowid``, ``_parent``).

    Named ``rtree_<table>``, not with the module's prefix: Alembic's autogenerate compares a
    module's prefixed tables with its models and would propose to drop a virtual table it cannot model."""
    return _checked(f"rtree_{table}")


def pg_point_sql(lat: str = "lat", lon: str = "lon") -> str:
    """The indexed expression; a query must spell it the same way for PostgreSQL to use the index."""
    return f"ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)"


def _checked(name: str) -> str:
    if len(name) > MAX_IDENTIFIER:
        raise ValueError(f"{name!r} is longer than {MAX_IDENTIFIER} characters; use a shorter table name")
    return name


def _quote(connection: Connection, name: str) -> str:
    return str(connection.dialect.identifier_preparer.quote(name))


def ensure_postgis(connection: Connection, extension: str = POSTGIS) -> None:
    """``CREATE EXTENSION IF NOT EXISTS postgis``, or a :class:`StartupError` that names the package.

    Runs in the migration, so a server without PostGIS stops ``stadtkern migrate`` (and with it the
    start-up, which refuses a schema that is behind) instead of answering 500 on the first query."""
    if connection.scalar(text("SELECT 1 FROM pg_extension WHERE extname = :e"), {"e": extension}) is None:
        available = connection.scalar(text("SELECT 1 FROM pg_available_extensions WHERE name = :e"), {"e": extension})
        if available is None:
            major = int(connection.scalar(text("SELECT current_setting('server_version_num')")) or 0) // 10000
            raise StartupError(
                f"PostgreSQL {major} lacks the PostGIS extension ({extension!r}), which the spatial index needs: "
                f"install the server package postgresql-{major}-postgis-3 (Debian/Ubuntu; the postgis/postgis "
                "Docker image has it) and run `stadtkern migrate` again"
            )
        try:
            connection.execute(text(f"CREATE EXTENSION IF NOT EXISTS {_quote(connection, extension)}"))
        except DBAPIError as exc:
            raise StartupError(
                f"PostGIS is installed but the extension could not be created ({exc.orig}); "
                f"a superuser must run CREATE EXTENSION {extension} once in this database"
            ) from None
    # The queries call PostGIS unqualified: an extension living in a schema off the search path
    # would fail at the first request, so it fails here.
    found = connection.scalar(text("SELECT to_regprocedure('st_makepoint(double precision,double precision)')"))
    if found is None:
        raise StartupError("PostGIS is installed in a schema that is not on the search_path; add that schema to it")


def create(connection: Connection, table: str) -> None:
    """The point index of ``table`` (its ``lat``/``lon`` columns), filled from the rows it holds."""
    if connection.dialect.name == "postgresql":
        ensure_postgis(connection)
        connection.execute(
            text(
                f"CREATE INDEX {_quote(connection, index_name(table))} ON {_quote(connection, table)} "
                f"USING gist (({pg_point_sql()}))"
            )
        )
        return
    for statement in _sqlite_ddl(connection, table):
        connection.exec_driver_sql(statement)


def drop(connection: Connection, table: str) -> None:
    """Undo :func:`create` (the PostGIS extension stays: other tables or modules may use it)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {_quote(connection, index_name(table))}"))
        return
    rtree = rtree_name(table)
    for suffix in ("insert", "update", "delete"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_quote(connection, f'{rtree}_{suffix}')}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_quote(connection, rtree)}")


# Identifiers only (quoted by the dialect), from module code, never from a request.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE {r} USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
    "INSERT INTO {r} SELECT rowid, lat, lat, lon, lon FROM {t} WHERE lat IS NOT NULL AND lon IS NOT NULL",
    # INSERT OR REPLACE: an entry left behind under a reused rowid (a REPLACE conflict resolution
    # deletes rows without firing delete triggers) is overwritten instead of failing the write.
    "CREATE TRIGGER {insert} AFTER INSERT ON {t} WHEN NEW.lat IS NOT NULL AND NEW.lon IS NOT NULL "
    "BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.rowid, NEW.lat, NEW.lat, NEW.lon, NEW.lon); END",
    "CREATE TRIGGER {update} AFTER UPDATE OF lat, lon ON {t} BEGIN DELETE FROM {r} WHERE id = OLD.rowid; "
    "INSERT OR REPLACE INTO {r} SELECT NEW.rowid, NEW.lat, NEW.lat, NEW.lon, NEW.lon "
    "WHERE NEW.lat IS NOT NULL AND NEW.lon IS NOT NULL; END",
    "CREATE TRIGGER {delete} AFTER DELETE ON {t} BEGIN DELETE FROM {r} WHERE id = OLD.rowid; END",
)


def _sqlite_ddl(connection: Connection, table: str) -> list[str]:
    rtree = rtree_name(table)
    names = {
        "t": _quote(connection, table),
        "r": _quote(connection, rtree),
        **{kind: _quote(connection, f"{rtree}_{kind}") for kind in ("insert", "update", "delete")},
    }
    return [statement.format(**names) for statement in SQLITE_DDL]
