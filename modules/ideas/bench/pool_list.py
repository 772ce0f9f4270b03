"""Ideenpool benchmark: first pages of the public pool, and supports, without HTTP.

Migrates the database at ``--url``, replaces Dortmund's ideas by ``--ideas`` accepted ideas (12
districts, 6 topics, 5 statuses, supporters 0..500), then times ``--queries`` first pages (50 rows,
with their photos: one query each) per order — newest and most supported — each with a random
filter (none, a district, a topic, a status), after 30 untimed ones; then ``--supports`` supports of
one idea by as many devices, one transaction each (marker HMAC, seal, unique insert, counter).

    .venv/bin/python modules/ideas/bench/pool_list.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_ideas
    .venv/bin/python modules/ideas/bench/pool_list.py --url sqlite+aiosqlite:////tmp/bench_ideas.db

Last line (JSON): ``{"newest_p50_ms", "newest_p99_ms", "supported_p50_ms", "supported_p99_ms",
"supports_per_s", "ideas"}``. The ideas are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import time
import uuid
from pathlib import Path
from typing import Any, cast

HERE = Path(__file__).resolve().parent
DISTRICTS = [f"Bezirk {i}" for i in range(12)]
TOPICS = ["mobility", "climate", "parks", "housing", "culture", "youth"]
STATUSES = ["received", "under_review", "in_project", "implemented", "not_pursued"]
WARM_UP = 30


async def load(session: Any, count: int, rng: random.Random) -> None:
    """``count`` accepted ideas of Dortmund, in batches."""
    from sqlalchemy import Table, delete, insert
    from stadtkern_ideas.models import Idea

    from core.api import utcnow

    await session.execute(delete(Idea))
    # the table, not the model: a plain multi-row INSERT (the row dicts name the city themselves)
    table = cast("Table", Idea.__table__)
    now = utcnow()
    rows = []
    for i in range(count):
        rows.append(
            {
                "id": uuid.uuid4(),
                "tenant_id": "dortmund",
                "title": f"Idee {i}",
                "description": "Eine Idee für die Stadt, mit etwas Text.",
                "language": "de",
                "topic": rng.choice(TOPICS),
                "district": rng.choice(DISTRICTS),
                "moderation": "accepted",
                "status": rng.choice(STATUSES),
                "supporters": rng.randint(0, 500),
                "published_at": now - dt.timedelta(minutes=count - i),
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(rows) == 2000:
            await session.execute(insert(table), rows)
            rows = []
    if rows:
        await session.execute(insert(table), rows)


def _filter(rng: random.Random) -> Any:
    from stadtkern_ideas.services.ideas import PoolFilter

    kind = rng.randrange(4)
    if kind == 1:
        return PoolFilter(district=rng.choice(DISTRICTS))
    if kind == 2:
        return PoolFilter(topic=rng.choice(TOPICS))
    if kind == 3:
        return PoolFilter(status=rng.choice(STATUSES))
    return PoolFilter()


async def pages(factory: Any, sort: str, queries: int, rng: random.Random) -> list[float]:
    """Milliseconds of each timed first page."""
    from stadtkern_ideas.schemas.ideas import idea_out
    from stadtkern_ideas.services.ideas import pool_page
    from stadtkern_ideas.services.photos import photos_of

    took = []
    async with factory() as session:
        for n in range(WARM_UP + queries):
            began = time.perf_counter()
            rows, _ = await pool_page(session, _filter(rng), sort=sort, cursor=None, limit=50)
            photos = await photos_of(session, [r.id for r in rows])
            [idea_out(r, ["de", "en"], photos[r.id]) for r in rows]
            if n >= WARM_UP:
                took.append((time.perf_counter() - began) * 1000)
    return took


async def supports(factory: Any, keys: Any, count: int) -> float:
    """Supports per second of ``count`` devices on one idea, one transaction each."""
    from sqlalchemy import select
    from stadtkern_ideas.models import Idea
    from stadtkern_ideas.services.supports import add_support

    async with factory() as session:
        idea_id = (await session.scalars(select(Idea.id).limit(1))).one()
    began = time.perf_counter()
    for _ in range(count):
        async with factory() as session, session.begin():
            assert await add_support(session, keys, idea_id, uuid.uuid4())
    return count / (time.perf_counter() - began)


def _p(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[int(q) - 1], 2) if len(values) > 1 else values[0]


async def run(args: argparse.Namespace) -> None:
    from sqlalchemy import delete, text
    from stadtkern_ideas.models import Idea

    from core.api import ModuleKeys
    from core.api.tenancy import sessions_for_city
    from core.db import create_engine, session_factory
    from core.loader import build_plan
    from core.manifest import load_manifest
    from core.migrate import upgrade

    plan = build_plan(load_manifest(HERE / "manifest.toml"))
    engine = create_engine(args.url)
    await upgrade(engine, plan)
    rng = random.Random(18)
    factory = sessions_for_city(session_factory(engine), "dortmund")
    async with factory() as session, session.begin():
        await load(session, args.ideas, rng)
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    figures: dict[str, Any] = {"ideas": args.ideas}
    for sort in ("newest", "supported"):
        took = await pages(factory, sort, args.queries, rng)
        figures[f"{sort}_p50_ms"] = _p(took, 50)
        figures[f"{sort}_p99_ms"] = _p(took, 99)
        print(f"{sort}: p50 {figures[f'{sort}_p50_ms']} ms, p99 {figures[f'{sort}_p99_ms']} ms", flush=True)
    keys = ModuleKeys("ideas", "bench-secret-bench-secret-bench-secret")
    figures["supports_per_s"] = round(await supports(factory, keys, args.supports), 1)
    print(f"supports: {figures['supports_per_s']} per second, one transaction each", flush=True)
    async with factory() as session, session.begin():
        await session.execute(delete(Idea))
    await engine.dispose()
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite+aiosqlite:////tmp/bench_ideas.db")
    parser.add_argument("--ideas", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--supports", type=int, default=500)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
