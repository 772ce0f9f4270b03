"""Survey submission benchmark: anonymous responses per second while many devices submit at once.

Migrates a PostgreSQL database (default ``bench_participation``; created if missing) and empties it,
then measures the full submit path (device auth, marker HMAC, unique marker insert in a savepoint,
response insert, commit) twice:

1. **in-process**: the app and Litestar's ASGI test client in one process and event loop (no
   network, no HTTP parsing): ``--devices`` devices submit once each, ``--concurrency`` in flight;
2. **over HTTP**: the real app in a separate uvicorn process (one worker) and an ``httpx.AsyncClient``
   with ``--concurrency`` keep-alive connections: another ``--devices`` devices (registered over
   HTTP) submit once each to a second survey. With two or more cores the server is pinned to core 0
   and this client to core 1 (PostgreSQL floats), so the client does not eat the server's core.

After each phase every device submits again, and all of those must be refused with 409.

    .venv/bin/python bench/participation_submit.py [--devices 500] [--concurrency 16] [--url ...] [--http-only]

Last line (the HTTP phase): ``submit_rps=<n> p50_ms=<n> p99_ms=<n> concurrency=<n>``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "modules" / "participation" / "tests"))
# The test kit's helpers (settings, staff, devices) run here outside pytest, on the test manifest.
TEST_MANIFEST = ROOT / "tests" / "manifest.toml"

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_participation"


def bench_app() -> Any:
    """uvicorn factory: the real app on ``BENCH_DB``, production settings, no rate limit in the way."""
    from core.app import create_app
    from core.testing import make_settings

    settings = make_settings(
        os.environ["BENCH_DB"],
        manifest_path=str(TEST_MANIFEST),
        env="production",
        rate_limit_per_minute=10_000_000,
        log_json=False,
        log_level="WARNING",
    )
    return create_app(settings, migrate_on_start=False)


async def ensure_database(url: str) -> None:
    import asyncpg

    base, _, name = url.replace("postgresql+asyncpg", "postgresql").rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def prepare(url: str) -> None:
    from sqlalchemy import text

    from core.db import create_unpooled_engine
    from core.loader import build_plan
    from core.manifest import load_manifest
    from core.migrate import upgrade

    await ensure_database(url)
    engine = create_unpooled_engine(url)
    await upgrade(engine, build_plan(load_manifest(TEST_MANIFEST)))
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'alembic%'"
            )
        )
        await conn.execute(text(f"TRUNCATE {', '.join(r[0] for r in rows)} CASCADE"))
    await engine.dispose()


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def submit_all(
    post: Callable[[dict[str, str]], Awaitable[int]], headers: list[dict[str, str]], concurrency: int
) -> tuple[float, list[float], list[int]]:
    """Every device submits once, ``concurrency`` at a time: elapsed seconds, latencies (ms), statuses."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: list[int] = []

    async def one(h: dict[str, str]) -> None:
        async with gate:
            began = time.perf_counter()
            statuses.append(await post(h))
            latencies.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(one(h) for h in headers))
    return time.perf_counter() - began, sorted(latencies), statuses


def report(
    label: str, devices: int, elapsed: float, latencies: list[float], ok: int, refused: int
) -> tuple[float, ...]:
    rps = devices / elapsed
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(
        f"{label}: {ok}/{devices} accepted in {elapsed:.2f}s = {rps:.0f}/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
        f"second submissions refused with 409: {refused}/{devices}",
        flush=True,
    )
    return rps, p50, p99


async def in_process(url: str, devices: int, concurrency: int) -> None:
    from litestar.testing import AsyncTestClient
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from support_participation import BASE, EDITOR, answers, create_survey

    from core.app import create_app
    from core.db import create_engine
    from core.testing import configure_manifest, make_settings, register_device, staff_headers

    configure_manifest(TEST_MANIFEST)

    app = create_app(make_settings(url, log_json=False, log_level="WARNING"), migrate_on_start=False)
    engine = create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with AsyncTestClient(app=app, timeout=60) as client:
        staff = await staff_headers(client, sessions, grants=EDITOR, email="bench-inprocess@dortmund.example")
        survey_id = await create_survey(client, staff)
        headers = [(await register_device(client))[1] for _ in range(devices)]

        async def post(h: dict[str, str]) -> int:
            path = f"{BASE}/surveys/{survey_id}/responses"
            return (await client.post(path, json={"answers": answers()}, headers=h)).status_code

        elapsed, latencies, statuses = await submit_all(post, headers, concurrency)
        _, _, again = await submit_all(post, headers, concurrency)
    await engine.dispose()
    report("in-process", devices, elapsed, latencies, statuses.count(201), again.count(409))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pinned(cmd: list[str], core: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(core), *cmd]
    return cmd


def start_server(url: str) -> tuple[subprocess.Popen[bytes], str]:
    """One uvicorn worker serving the real app (pinned to core 0; this process moves to core 1)."""
    port = free_port()
    server = [sys.executable, "-m", "uvicorn", "bench.participation_submit:bench_app", "--factory", "--workers", "1"]
    server += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(_pinned(server, 0), cwd=ROOT, env={**os.environ, "BENCH_DB": url})
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})
    return proc, f"http://127.0.0.1:{port}"


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait()


async def over_http(url: str, devices: int, concurrency: int) -> tuple[float, ...]:
    import httpx
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from support_participation import BASE, EDITOR, answers, create_survey

    from core.db import create_engine
    from core.testing import staff_headers

    proc, base = start_server(url)
    engine = create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    try:
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            for _ in range(150):
                try:
                    if (await client.get("/health/live")).status_code < 500:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.2)
            staff = await staff_headers(client, sessions, grants=EDITOR, email="bench-http@dortmund.example")
            survey_id = await create_survey(client, staff)
            gate = asyncio.Semaphore(concurrency)

            async def register() -> dict[str, str]:
                async with gate:
                    body = {"platform": "android", "locale": "de", "app_version": "1.4.0"}
                    response = await client.post("/v1/dortmund/devices", json=body)
                    response.raise_for_status()
                    return {"Authorization": f"Bearer {response.json()['credential']}"}

            headers = await asyncio.gather(*(register() for _ in range(devices)))
            path = f"{BASE}/surveys/{survey_id}/responses"

            async def post(h: dict[str, str]) -> int:
                return (await client.post(path, json={"answers": answers()}, headers=h)).status_code

            elapsed, latencies, statuses = await submit_all(post, list(headers), concurrency)
            _, _, again = await submit_all(post, list(headers), concurrency)
    finally:
        stop_server(proc)
        await engine.dispose()
    figures = report(
        f"HTTP (uvicorn, {concurrency} connections)", devices, elapsed, latencies, statuses.count(201), again.count(409)
    )
    if statuses.count(201) != devices or again.count(409) != devices:
        raise RuntimeError(f"unexpected answers: first {sorted(set(statuses))}, again {sorted(set(again))}")
    return figures


async def main(devices: int, concurrency: int, url: str, http_only: bool) -> None:
    await prepare(url)
    if not http_only:
        await in_process(url, devices, concurrency)
    rps, p50, p99 = await over_http(url, devices, concurrency)
    print(f"submit_rps={rps:.0f} p50_ms={p50:.1f} p99_ms={p99:.1f} concurrency={concurrency}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--http-only", action="store_true", help="skip the in-process phase")
    args = parser.parse_args()
    asyncio.run(main(args.devices, args.concurrency, args.url, args.http_only))
