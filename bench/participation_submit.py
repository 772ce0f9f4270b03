"""Survey submission benchmark: time to submit one anonymous response while many devices submit.

Migrates a PostgreSQL database (default ``bench_participation``; created if missing), publishes
the demo-style survey, registers N devices, then lets them all submit one response each with
``--concurrency`` requests in flight, through the full app stack (auth, marker HMAC, unique
marker insert in a savepoint, response insert, commit) via Litestar's in-process ASGI client.
Then every device submits again, which must all be refused with 409.

    .venv/bin/python bench/participation_submit.py [--devices 1000] [--concurrency 32] [--url ...]

Last line: ``submit_p50_ms=<n> submit_p99_ms=<n> submit_rps=<n> duplicates_refused=<n>/<n>``.
The client runs in the same process and event loop as the app: the figures include the
framework and the database round trips, not the network.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "modules" / "participation" / "tests"))

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_participation"


async def ensure_database(url: str) -> None:
    import asyncpg

    base, _, name = url.replace("postgresql+asyncpg", "postgresql").rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def main(devices: int, concurrency: int, url: str) -> None:
    from litestar.testing import AsyncTestClient
    from sqlalchemy import text
    from support_participation import BASE, EDITOR, answers, create_survey

    from core.app import create_app
    from core.db import create_unpooled_engine
    from core.loader import build_plan
    from core.migrate import upgrade
    from tests.helpers import register_device, staff_headers
    from tests.support import load_test_manifest, make_settings

    await ensure_database(url)
    engine = create_unpooled_engine(url)
    await upgrade(engine, build_plan(load_test_manifest()))
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'alembic%'"
            )
        )
        await conn.execute(text(f"TRUNCATE {', '.join(r[0] for r in rows)} CASCADE"))
    await engine.dispose()

    from sqlalchemy.ext.asyncio import async_sessionmaker

    from core.db import create_engine

    app = create_app(make_settings(url, log_json=False, log_level="WARNING"), migrate_on_start=False)
    session_engine = create_engine(url)
    sessions = async_sessionmaker(session_engine, expire_on_commit=False)
    async with AsyncTestClient(app=app, timeout=60) as client:
        staff = await staff_headers(client, sessions, grants=EDITOR, email="bench@dortmund.example")
        survey_id = await create_survey(client, staff)
        headers = [(await register_device(client))[1] for _ in range(devices)]
        gate = asyncio.Semaphore(concurrency)
        latencies: list[float] = []
        statuses: list[int] = []

        async def submit(h: dict[str, str]) -> None:
            async with gate:
                started = time.perf_counter()
                response = await client.post(
                    f"{BASE}/surveys/{survey_id}/responses", json={"answers": answers()}, headers=h
                )
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.append(response.status_code)

        started = time.perf_counter()
        await asyncio.gather(*(submit(h) for h in headers))
        elapsed = time.perf_counter() - started
        ok = statuses.count(201)
        first: dict[str, Any] = {"latencies": sorted(latencies), "ok": ok}
        statuses.clear()
        await asyncio.gather(*(submit(h) for h in headers))
        refused = statuses.count(409)
    await session_engine.dispose()
    lat = first["latencies"]
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"{devices} devices, {concurrency} in flight: {first['ok']} accepted in {elapsed:.2f}s")
    print(
        f"submit_p50_ms={statistics.median(lat):.1f} submit_p99_ms={p99:.1f} "
        f"submit_rps={devices / elapsed:.0f} duplicates_refused={refused}/{devices}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    asyncio.run(main(args.devices, args.concurrency, args.url))
