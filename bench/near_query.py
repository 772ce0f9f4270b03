"""Near-me query benchmark: the events list's ``lat``/``lon``/``radius_km`` query, without HTTP.

Migrates the database at ``--url`` (the events lineage included), replaces Dortmund's events by
``--events`` one-off events spread uniformly over the city (about 22 x 20 km), each with one
occurrence in the next 400 days, and runs ``--queries`` first pages (50 rows, time order) at random
centres in the city (after 50 untimed ones), one after the other on one connection, each built as
a cache miss builds it (the list's query, the row mapping and the JSON: ``_build_page``), which
serves a circle of up to 6 km from the occurrences' grid cells (``near_cells``).
``--gist`` takes ``core.api.near`` on the events instead (the spatial index, date order walked);
``--old`` the arithmetic filter the list used before the spatial index (query only).
``--mode list`` builds the plain list's first page (a cache miss of "next 50"), ``--mode text``
the full-text filter instead (``q=konzert``, no place); ``--random-from`` starts each window at a
random moment of the next 400 days (as the HTTP benchmark's uncached mode does) instead of now: ``--share`` of the
events carry the word (in the title of half of them, in the description of the others), so the
planner faces a rare word (0.001) as well as a common one (0.2).

    .venv/bin/python bench/near_query.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_near
    .venv/bin/python bench/near_query.py --url sqlite+aiosqlite:////tmp/near.db
    .venv/bin/python bench/near_query.py --mode text --share 0.09 --url ...

Last line: ``near_qps=<n> p50_ms=<n> p99_ms=<n> mean_rows=<n> python_cpu_ms=<n>`` (``text_qps``,
``list_qps`` in those modes); ``python_cpu_ms`` is this process's CPU per page (query building,
driver, row mapping, JSON), the database's own work not included.
The database's events are deleted (``--keep`` leaves them).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import random
import statistics
import sys
import time
import types
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CENTRE = (51.5136, 7.4653)
WARM_UP = 50  # queries not timed: the first ones read the table into the cache
FROM = random.Random(23)  # --random-from: the same windows in every run


def _texts(rng: random.Random, share: float) -> dict[str, Any]:
    """Title and search columns of one event: with probability ``share`` mentioning a concert."""
    if rng.random() >= share:
        return {"title": {"de": "Veranstaltung"}, "search_title": "veranstaltung", "search_text": "veranstaltung"}
    if rng.random() < 0.5:
        return {"title": {"de": "Konzert im Park"}, "search_title": "konzert im park", "search_text": "konzert"}
    return {"title": {"de": "Abendprogramm"}, "search_title": "abendprogramm", "search_text": "lesung mit konzerten"}


async def load(session: Any, count: int, rng: random.Random, share: float = 0.0) -> None:
    from sqlalchemy import delete, insert
    from stadtkern_events.models import Event, Occurrence
    from stadtkern_events.near_cells import cells_of

    from core.api import utcnow

    await session.execute(delete(Occurrence))
    await session.execute(delete(Event))
    now = utcnow()
    for first in range(0, count, 5000):
        events, occurrences = [], []
        for _ in range(first, min(count, first + 5000)):
            event_id, start = uuid.uuid4(), now + dt.timedelta(minutes=rng.randint(60, 400 * 24 * 60))
            lat, lon = CENTRE[0] + rng.uniform(-0.1, 0.1), CENTRE[1] + rng.uniform(-0.15, 0.15)
            common = {"tenant_id": "dortmund", "starts_at": start, "ends_at": start + dt.timedelta(hours=2)}
            events.append({"id": event_id, **common, **_texts(rng, share), "time_zone": "Europe/Berlin"})
            events[-1].update(lat=lat, lon=lon, published=True, expanded_until=now + dt.timedelta(days=400))
            place = {"lat": lat, "lon": lon, **cells_of(lat, lon)}
            occurrences.append({**common, **place, "event_id": event_id, "recurrence_id": start, "status": "scheduled"})
            occurrences[-1]["published"] = True
        await session.execute(insert(Event), events)
        await session.execute(insert(Occurrence), occurrences)


def old_statement(ctx: Any, lat: float, lon: float, radius_km: float) -> Any:
    """The arithmetic filter the list used before the spatial index (walks the date order)."""
    from stadtkern_events.filters import filters_of
    from stadtkern_events.models import Event

    from core.api import utcnow

    stmt = filters_of(None, None, None, None, None, None, None, radius_km, None, None, None, True).statement(
        ctx, utcnow()
    )
    dlat, dlon = Event.lat - lat, (Event.lon - lon) * math.cos(math.radians(lat))
    return stmt.where(Event.lat.is_not(None), dlat * dlat + dlon * dlon <= (radius_km / 111.32) ** 2)


async def page(ctx: Any, lat: float, lon: float, args: argparse.Namespace) -> int:
    """The list's own first page (query, mapping, JSON), as a cache miss builds it; returns its length."""
    import msgspec
    from stadtkern_events.controllers import _build_page
    from stadtkern_events.filters import filters_of

    from core.api import utcnow

    start = utcnow() + dt.timedelta(minutes=FROM.randint(0, 400 * 24 * 60)) if args.random_from else None
    if args.mode == "text":
        filters = filters_of(start, None, None, None, None, None, None, 5.0, None, None, "konzert", True)
    elif args.mode == "list":
        filters = filters_of(start, None, None, None, None, None, None, 5.0, None, None, None, True)
    else:
        filters = filters_of(start, None, None, None, None, lat, lon, args.radius_km, None, None, None, True)
        if args.gist:
            filters.cells = lambda: None  # type: ignore[method-assign]
    built = await _build_page(ctx, filters, utcnow(), 1, since=None, cursor=None, limit=50)
    return len(msgspec.json.decode(built.body)["items"])


async def run(args: argparse.Namespace) -> None:
    from sqlalchemy import text
    from stadtkern_events.models import Occurrence
    from stadtkern_events.settings import EventsSettings

    from core.api import paginate
    from core.api.tenancy import sessions_for_city
    from core.db import create_engine, session_factory
    from core.loader import build_plan
    from core.manifest import load_manifest
    from core.migrate import upgrade

    plan = build_plan(load_manifest(ROOT / "bench" / "events_manifest.toml"))
    engine = create_engine(args.url)
    await upgrade(engine, plan)
    rng = random.Random(17)
    factory = sessions_for_city(session_factory(engine), "dortmund")
    began = time.perf_counter()
    if not args.reuse:
        async with session_factory(engine)() as session, session.begin():
            await load(session, args.events, rng, args.share if args.mode == "text" else 0.0)
        async with engine.connect() as conn:  # VACUUM: the deleted rows of an earlier run would bloat the scans
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
        print(f"loaded {args.events} events in {time.perf_counter() - began:.1f} s, then (VACUUM) ANALYZE", flush=True)
    tenant = plan.tenants["dortmund"].info
    latencies, rows_seen, cpu = [], 0, 0.0
    order = [Occurrence.starts_at, Occurrence.event_id]
    async with factory() as session:
        ctx = types.SimpleNamespace(session=session, settings=EventsSettings(), tenant=tenant, locales=("de", "en"))
        for i in range(args.queries + WARM_UP):
            lat, lon = CENTRE[0] + rng.uniform(-0.08, 0.08), CENTRE[1] + rng.uniform(-0.12, 0.12)
            start, cpu_start = time.perf_counter(), time.process_time()
            if args.old:
                rows, _ = await paginate(session, old_statement(ctx, lat, lon, args.radius_km), order, cursor=None)
                count = len(rows)
            else:
                count = await page(ctx, lat, lon, args)
            if i >= WARM_UP:
                latencies.append(time.perf_counter() - start)
                cpu += time.process_time() - cpu_start
                rows_seen += count
    if not args.keep:
        async with session_factory(engine)() as session, session.begin():
            await load(session, 0, rng)
    await engine.dispose()
    ms = sorted(x * 1000 for x in latencies)
    print(
        f"{args.mode}_qps={len(ms) / (sum(ms) / 1000):.0f} p50_ms={statistics.median(ms):.2f} "
        f"p99_ms={ms[int(len(ms) * 0.99) - 1]:.2f} mean_rows={rows_seen / len(ms):.1f} "
        f"python_cpu_ms={cpu * 1000 / len(ms):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/bench_near")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--radius-km", type=float, default=1.0)
    parser.add_argument("--old", action="store_true", help="the arithmetic filter used before the spatial index")
    parser.add_argument("--gist", action="store_true", help="core.api.near on the events instead of the grid cells")
    parser.add_argument("--keep", action="store_true", help="leave the events in the database (to EXPLAIN)")
    parser.add_argument("--reuse", action="store_true", help="query the events an earlier --keep run left")
    parser.add_argument("--mode", choices=("near", "text", "list"), default="near")
    parser.add_argument("--random-from", action="store_true", help="a window from a random moment of the next 400 days")
    parser.add_argument("--share", type=float, default=0.09, help="text: the share of events with the word")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
