"""``core.api.spatial`` on both databases: the same answers as the reference distance, in order, paged
exactly once, an index that follows moved and deleted rows, and plans that use the index."""

from __future__ import annotations

import contextlib
import math
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterable

import pytest
from sqlalchemy import Float, MetaData, String, Uuid, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core import spatial_index
from core.api import (
    Invalid,
    create_point_index,
    distance_m,
    drop_point_index,
    is_postgres,
    near,
    paginate_by_distance,
)
from core.api.spatial import bounding_boxes
from core.db import create_engine
from core.errors import StartupError

TABLE = "spatial_test_spot"
DORTMUND = (51.5136, 7.4653)


class _Base(DeclarativeBase):
    metadata = MetaData()  # not the app's: this table exists only while a test runs


class Spot(_Base):
    __tablename__ = TABLE

    # A UUID key like every module's rows, so SQLite's R*Tree maps through the rowid, not the key.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(40), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)


def _create(conn: Connection) -> None:
    _drop(conn)
    _Base.metadata.create_all(conn)
    create_point_index(conn, TABLE)


def _drop(conn: Connection) -> None:
    drop_point_index(conn, TABLE)
    _Base.metadata.drop_all(conn)


@pytest.fixture
async def spots(database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database)
    async with engine.begin() as conn:
        await conn.run_sync(_create)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(_drop)
        await engine.dispose()


def destination(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` from (lat, lon) towards ``bearing`` degrees, on the same sphere."""
    d, theta = metres / spatial_index.EARTH_RADIUS_M, math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(theta))
    l2 = l1 + math.atan2(math.sin(theta) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


async def _add(sessions: async_sessionmaker[AsyncSession], points: Iterable[tuple[float, float]]) -> list[Spot]:
    rows = [Spot(id=uuid.uuid4(), name=f"p{i}", lat=lat, lon=lon) for i, (lat, lon) in enumerate(points)]
    async with sessions() as session, session.begin():
        session.add_all(rows)
    return rows


async def _near(
    sessions: async_sessionmaker[AsyncSession], lat: float, lon: float, radius: float
) -> list[tuple[uuid.UUID, float]]:
    async with sessions() as session:
        stmt = near(session, select(Spot), Spot, lat, lon, radius, order_by_distance=True)
        return [(s.id, distance_m(s.lat or 0, s.lon or 0, lat, lon)) for s in (await session.scalars(stmt)).all()]


def _reference(rows: list[Spot], lat: float, lon: float, radius: float) -> set[uuid.UUID]:
    return {r.id for r in rows if r.lat is not None and distance_m(r.lat, r.lon or 0, lat, lon) <= radius}


def test_bounding_boxes_split_at_the_antimeridian_and_open_at_the_poles() -> None:
    assert len(bounding_boxes(*DORTMUND, 5000)) == 1
    ((south, north, west, east),) = bounding_boxes(0, 0, 111_195)  # ~1 degree
    assert math.isclose(north, 1, rel_tol=1e-4) and math.isclose(south, -1, rel_tol=1e-4) and west < -0.99 < 0.99 < east
    east_side, west_side = bounding_boxes(10, 179.99, 5000)
    assert east_side[3] == 180 and west_side[2] == -180 and west_side[3] < -179.9
    ((south, north, west, east),) = bounding_boxes(89.99, 20, 5000)  # the pole is inside: every longitude
    assert math.isclose(south, 89.945, abs_tol=1e-3) and (north, west, east) == (90, -180, 180)
    with pytest.raises(ValueError, match="WGS 84"):
        near(None, select(Spot), Spot, 91, 0, 10)  # type: ignore[arg-type]  # checked before the bind is used


async def test_same_answers_as_the_reference_on_a_grid(spots: async_sessionmaker[AsyncSession]) -> None:
    lat0, lon0 = DORTMUND
    grid = [(lat0 + i * 0.004, lon0 + j * 0.006) for i in range(-15, 16) for j in range(-15, 16)]
    edges = [(10 + i * 0.01, 179.95 + j * 0.01) for i in range(-3, 4) for j in range(0, 11)]  # across 180
    edges = [(lat, (lon + 180) % 360 - 180) for lat, lon in edges]
    poles = [(89.95 + i * 0.01, lon) for i in range(5) for lon in range(-180, 180, 45)]
    rows = await _add(spots, [*grid, *edges, *poles, (-33.9, 18.4)])
    async with spots() as session, session.begin():
        session.add(Spot(id=uuid.uuid4(), name="nowhere", lat=None, lon=None))
    centres = [DORTMUND, (lat0 + 0.0213, lon0 - 0.0377), (10.0, 179.99), (10.0, -179.99), (89.99, 0.0), (90.0, 0.0)]
    for lat, lon in centres:
        for radius in (0.0, 50.0, 444.0, 1_000.0, 2_500.0, 7_777.0, 30_000.0):
            found = await _near(spots, lat, lon, radius)
            assert {i for i, _ in found} == _reference(rows, lat, lon, radius), (lat, lon, radius)
            distances = [d for _, d in found]
            assert distances == sorted(distances), "nearest first"
    assert {i for i, _ in await _near(spots, *DORTMUND, 0.0)} == {rows[len(grid) // 2].id}  # the centre itself


async def test_a_millimetre_inside_is_in_and_a_millimetre_outside_is_out(
    spots: async_sessionmaker[AsyncSession],
) -> None:
    """All around the circle, where the box is tightest (its widest longitude lies off the centre's latitude)."""
    for lat, lon, radius in [(*DORTMUND, 3000.0), (-45.0, -179.98, 5000.0), (70.0, 25.0, 150_000.0), (0.0, 0.0, 10.0)]:
        inside, outside = [], []
        for bearing in range(0, 360, 5):
            inside.append(destination(lat, lon, bearing, radius - 0.001))
            outside.append(destination(lat, lon, bearing, radius + 0.001))
        rows = await _add(spots, [*inside, *outside])
        expected = {r.id for r in rows[: len(inside)]}
        assert _reference(rows, lat, lon, radius) == expected  # the points are where the test says
        assert {i for i, _ in await _near(spots, lat, lon, radius)} == expected, (lat, lon, radius)
        async with spots() as session, session.begin():
            await session.execute(delete(Spot))


async def test_paging_by_distance_yields_each_row_once_in_order(spots: async_sessionmaker[AsyncSession]) -> None:
    lat0, lon0 = DORTMUND
    points = [destination(lat0, lon0, (i * 37) % 360, 40.0 * (i % 23)) for i in range(120)]
    points += [(lat0 + 0.002, lon0)] * 9  # nine rows at one distance: the id decides among them
    rows = await _add(spots, points)
    radius = 1_000.0
    expected = sorted(
        (
            (distance_m(r.lat or 0, r.lon or 0, lat0, lon0), r.id)
            for r in rows
            if r.id in _reference(rows, *DORTMUND, radius)
        ),
    )
    seen: list[tuple[float, uuid.UUID]] = []
    cursor: str | None = None
    pages = 0
    while True:
        async with spots() as session:  # one per page, like one request per page
            stmt = near(session, select(Spot), Spot, lat0, lon0, radius)
            page, cursor = await paginate_by_distance(
                session, stmt, Spot, lat0, lon0, [Spot.id], cursor=cursor, limit=7
            )
        seen += [(d, s.id) for s, d in page]
        pages += 1
        if cursor is None:
            break
        if pages == 3:  # a row added between pages, farther than what was read: it comes later, once
            late = (await _add(spots, [destination(lat0, lon0, 90, 999.0)]))[0]
            expected.append((distance_m(late.lat or 0, late.lon or 0, lat0, lon0), late.id))
    assert [i for _, i in seen] == [i for _, i in sorted(expected)]
    assert len({i for _, i in seen}) == len(seen) == len(expected) > 100
    for (got, _), (want, _) in zip(seen, sorted(expected), strict=True):
        assert math.isclose(got, want, rel_tol=0, abs_tol=1e-6)
    async with spots() as session:
        with pytest.raises(Invalid):
            await paginate_by_distance(session, select(Spot), Spot, lat0, lon0, [Spot.id], cursor="bm9wZQ")


async def test_moved_and_deleted_rows_leave_and_enter_the_index(spots: async_sessionmaker[AsyncSession]) -> None:
    lat0, lon0 = DORTMUND
    (far,) = await _add(spots, [(48.137, 11.575)])  # Munich
    (here,) = await _add(spots, [destination(lat0, lon0, 10, 100)])

    async def found() -> set[uuid.UUID]:
        return {i for i, _ in await _near(spots, lat0, lon0, 500)}

    assert await found() == {here.id}
    async with spots() as session, session.begin():  # ORM update
        moved = await session.get(Spot, far.id)
        assert moved is not None
        moved.lat, moved.lon = destination(lat0, lon0, 200, 300)
    assert await found() == {here.id, far.id}
    async with spots() as session, session.begin():  # plain SQL: the index does not depend on the ORM
        await session.execute(update(Spot).where(Spot.id == here.id).values(lat=None, lon=None))
        await session.execute(insert(Spot).values(id=uuid.uuid4(), name="raw", lat=lat0, lon=lon0 + 0.01))
    assert await found() == {far.id}
    async with spots() as session, session.begin():
        await session.execute(update(Spot).where(Spot.id == here.id).values(lat=lat0, lon=lon0))
        await session.execute(update(Spot).where(Spot.id == far.id).values(name="renamed"))  # lat/lon untouched
        await session.execute(delete(Spot).where(Spot.id == far.id))
    assert await found() == {here.id}
    async with spots() as session:
        if not is_postgres(session):  # the R*Tree holds exactly the rows with a point
            indexed = await session.scalar(text(f"SELECT count(*) FROM {spatial_index.rtree_name(TABLE)}"))  # noqa: S608
            with_point = await session.scalar(select(func.count()).select_from(Spot).where(Spot.lat.is_not(None)))
            assert indexed == with_point == 2


async def test_the_index_answers_the_radius_query(spots: async_sessionmaker[AsyncSession]) -> None:
    lat0, lon0 = DORTMUND
    points = [(lat0 + (i % 71 - 35) * 0.003, lon0 + (i // 71 - 35) * 0.005) for i in range(5_000)]
    async with spots() as session, session.begin():
        await session.execute(insert(Spot), [{"id": uuid.uuid4(), "lat": a, "lon": b} for a, b in points])
    async with spots() as session:
        stmt = near(session, select(Spot.id), Spot, lat0, lon0, 1_000)
        sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        if is_postgres(session):
            await session.execute(text(f"ANALYZE {TABLE}"))
            plan = "\n".join(r[0] for r in await session.execute(text(f"EXPLAIN {sql}")))
            assert spatial_index.index_name(TABLE) in plan, plan
        else:
            plan = "\n".join(r[-1] for r in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert f"{spatial_index.rtree_name(TABLE)} VIRTUAL TABLE INDEX" in plan, plan
        assert len((await session.scalars(stmt)).all()) == sum(distance_m(a, b, lat0, lon0) <= 1_000 for a, b in points)


async def test_sqlite_vacuum_keeps_rows_and_index_together(
    database: str, spots: async_sessionmaker[AsyncSession]
) -> None:
    """The R*Tree maps by rowid, which SQLite documents VACUUM may renumber for a table without an
    INTEGER PRIMARY KEY (it keeps them in practice): this fails first on a SQLite that does not."""
    if not database.startswith("sqlite"):
        pytest.skip("VACUUM renumbering rowids concerns the SQLite R*Tree only; PostGIS indexes the row itself")
    rows = await _add(spots, [destination(*DORTMUND, b, 10.0 * b) for b in range(360)])
    async with spots() as session, session.begin():
        await session.execute(delete(Spot).where(Spot.id.in_([r.id for r in rows[::3]])))
    with contextlib.closing(sqlite3.connect(database.removeprefix("sqlite+aiosqlite:///"))) as plain:
        plain.execute("VACUUM")
    kept = [r for i, r in enumerate(rows) if i % 3]
    assert {i for i, _ in await _near(spots, *DORTMUND, 2_000)} == _reference(kept, *DORTMUND, 2_000)


async def test_a_server_without_postgis_stops_the_migration_naming_the_package(database: str) -> None:
    engine = create_engine(database)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name != "postgresql":
                pytest.skip("extensions are PostgreSQL's; SQLite's R*Tree is built in (no package to name)")
            with pytest.raises(StartupError, match=r"install the server package postgresql-\d+-postgis-3"):
                await conn.run_sync(lambda c: spatial_index.ensure_postgis(c, extension="postgis_not_installed"))
            await conn.run_sync(spatial_index.ensure_postgis)  # the real one is there (the migration made it)
    finally:
        await engine.dispose()
