"""Events list benchmark: "next 50 upcoming, not cancelled" through the real HTTP stack.

Loads 2,000 events (a quarter recurring) for Dortmund into PostgreSQL, starts one uvicorn process
serving the real app (plus one extra route returning a precomputed 50-event JSON from memory, the
framework's own ceiling), and drives both with 32 concurrent keep-alive connections.

    .venv/bin/python bench/events_list.py [--seconds 15] [--url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_events]

Last line: ``events_rps=<n> framework_rps=<n> ratio=<events/framework> p99_ms=<n>``.

Load generator: ``wrk`` (``apt-get install wrk``) when installed — one thread, 32 connections —
else an httpx client (slow: then it, not the server, is often the limit). With two or more cores
the server is pinned to core 0 and wrk to core 1 (``taskset``), so the load generator does not
eat the server's core; PostgreSQL floats. ``--client httpx`` forces the fallback. With wrk the
``--seconds`` per route are split into ``--rounds`` alternating slices (framework, events, ...), so
a shared machine's background load hits both sides alike; rps are the means, p99 the median round.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Response, get

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import parse_side  # noqa: E402  (needs ROOT on sys.path)

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_events"
QUERY = "/v1/dortmund/events/occurrences?hide_cancelled=true&limit=50"
CEILING = "/bench/precomputed"
CONCURRENCY = 32
# Dortmund with the events module (and the push engine it publishes through), nothing else: the
# benchmark measures the list, not whatever else a test manifest enables.
MANIFEST = ROOT / "bench" / "events_manifest.toml"


def bench_app() -> Any:
    """uvicorn factory: the real app plus the precomputed-JSON route."""
    from core.app import create_app
    from core.testing import make_settings

    payload = (Path(os.environ["BENCH_PAYLOAD"])).read_bytes()

    @get(CEILING, sync_to_thread=False, summary="benchmark ceiling", include_in_schema=False)
    def precomputed() -> Response[bytes]:
        return Response(payload, media_type="application/json")

    app = create_app(
        make_settings(
            os.environ["BENCH_DB"],
            manifest_path=str(MANIFEST),
            rate_limit_per_minute=10_000_000,
            log_json=False,
            env="production",
        ),
        migrate_on_start=False,
    )
    app.register(precomputed)
    return app


async def recreate_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def prepare(url: str) -> None:
    from stadtkern_events.models import Event
    from stadtkern_events.schemas import EventIn
    from stadtkern_events.services import save_event
    from stadtkern_events.settings import EventsSettings

    from core.api.push import BoundPush, UnavailablePush
    from core.api.tenancy import sessions_for_city
    from core.db import create_unpooled_engine, session_factory
    from core.loader import build_plan
    from core.manifest import load_manifest
    from core.migrate import upgrade

    await recreate_database(url.rsplit("/", 1)[1])
    plan = build_plan(load_manifest(MANIFEST))
    engine = create_unpooled_engine(url)
    await upgrade(engine, plan)
    rng = random.Random(5)
    settings = EventsSettings()
    zone = ZoneInfo("Europe/Berlin")
    today = dt.date.today()
    # A city's session, as the module's own writes get (bump_version refuses an unbound one).
    async with sessions_for_city(session_factory(engine), "dortmund")() as session, session.begin():
        push = BoundPush(UnavailablePush(), session, plan.tenants["dortmund"].info)
        for i in range(2000):
            day = today + dt.timedelta(days=rng.randint(0, 120))
            start = dt.datetime.combine(day, dt.time(rng.randint(8, 21), rng.choice((0, 30))))
            body: dict[str, Any] = {
                "title": {"de": f"Veranstaltung {i}", "en": f"Event {i}"},
                "description": {"de": "Beschreibung " * 20},
                "start": start.isoformat(),
                "end": (start + dt.timedelta(hours=2)).isoformat(),
                "place": {"name": f"Ort {i % 50}", "lat": 51.5 + rng.random() / 20, "lon": 7.45 + rng.random() / 20},
                "categories": [rng.choice(settings.categories)],
                "is_free": rng.random() < 0.4,
                "status": "cancelled" if rng.random() < 0.05 else "scheduled",
                "published": True,
            }
            if i % 4 == 0:
                body["rrule"] = rng.choice(("FREQ=WEEKLY;COUNT=30", "FREQ=DAILY;COUNT=60", "FREQ=MONTHLY;COUNT=12"))
            event = Event(tenant_id="dortmund")
            await save_event(session, push, event, _convert(body, EventIn), settings, zone, is_new=True)
    await engine.dispose()


def _convert(body: dict[str, Any], kind: Any) -> Any:
    import msgspec

    return msgspec.convert(body, kind)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(base: str, path: str, seconds: float) -> tuple[float, list[float]]:
    import httpx

    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while time.perf_counter() < stop:
                began = time.perf_counter()
                response = await client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
                latencies.append(time.perf_counter() - began)

        for _ in range(2):  # warm-up
            await client.get(path)
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, latencies


def _pinned(cmd: list[str], core: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(core), *cmd]
    return cmd


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_load(base: str, path: str, seconds: float, headers: dict[str, str] | None = None) -> tuple[float, float]:
    """Requests per second and p99 in ms, from wrk (non-2xx answers make the run fail)."""
    cmd = ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(base + path)
    out = subprocess.run(_pinned(cmd, 1), capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"{path}: errors under load\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return rps, float(value) * _UNITS[unit]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--rounds", type=int, default=3, help="wrk: alternating framework/events slices")
    parser.add_argument(
        "--parse",
        choices=("auto", "on", "off"),
        default="auto",
        help="Parse Server side by side (npm; auto: when node, npm and wrk are there)",
    )
    args = parser.parse_args()
    print("loading 2,000 events (500 recurring) ...", flush=True)
    asyncio.run(prepare(args.url))
    port = free_port()
    env = {**os.environ, "BENCH_DB": args.url, "BENCH_PAYLOAD": str(ROOT / "bench" / ".events_payload.json")}
    server = [sys.executable, "-m", "uvicorn", "bench.events_list:bench_app", "--factory"]
    server += [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    # the precomputed payload is a real first page, captured once from the app itself
    Path(env["BENCH_PAYLOAD"]).write_bytes(b'{"items":[]}')
    proc = subprocess.Popen(server, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(100):
            try:
                if httpx.get(base + "/health/live", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        page = httpx.get(base + QUERY, timeout=10)
        page.raise_for_status()
        assert len(page.json()["items"]) == 50
        Path(env["BENCH_PAYLOAD"]).write_bytes(page.content)
        use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
        with_parse = args.parse == "on" or (args.parse == "auto" and use_wrk and parse_side.available())
        if with_parse:
            occurrences = parse_side.our_occurrences(base, QUERY.split("?")[0])
    finally:
        proc.terminate()
        proc.wait()
    parse_proc = None
    parse_rounds: list[tuple[float, float]] = []
    if with_parse:
        parse_db = args.url.rsplit("/", 1)[0].replace("postgresql+asyncpg", "postgres") + "/bench_parse"
        asyncio.run(recreate_database("bench_parse"))
        parse_port = free_port()
        parse_base = f"http://127.0.0.1:{parse_port}"
        parse_proc = parse_side.start(parse_side.ensure_installed(), parse_db, parse_port, _pinned([], 0))
        parse_side.wait_ready(parse_base)
        print(f"Parse Server: loading {len(occurrences)} occurrences ...", flush=True)
        parse_side.load(parse_base, occurrences, parse_db)
        parse_path = parse_side.query_path(dt.datetime.now(dt.UTC))
        print(f"Parse Server answer: 50 results, {parse_side.check_answer(parse_base, parse_path)} bytes", flush=True)
    proc = subprocess.Popen(_pinned(server, 0) if use_wrk else server, cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/health/live", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        if use_wrk:
            wrk_load(base, CEILING, 2)  # warm-up, both routes
            wrk_load(base, QUERY, 2)
            if parse_proc is not None:
                wrk_load(parse_base, parse_path, 2, parse_side.HEADERS)
            # The machine is shared: alternate short slices so both sides see the same background load.
            rounds = []
            for i in range(args.rounds):
                framework = wrk_load(base, CEILING, args.seconds / args.rounds)
                events = wrk_load(base, QUERY, args.seconds / args.rounds)
                rounds.append((framework, events))
                if parse_proc is not None:
                    parse_rounds.append(
                        wrk_load(parse_base, parse_path, args.seconds / args.rounds, parse_side.HEADERS)
                    )
                    print(f"round {i + 1}: parse_rps={parse_rounds[-1][0]:.0f} (p99 {parse_rounds[-1][1]:.1f} ms)")
                print(
                    f"round {i + 1}: framework_rps={framework[0]:.0f} (p99 {framework[1]:.1f} ms) "
                    f"events_rps={events[0]:.0f} (p99 {events[1]:.1f} ms) ratio={events[0] / framework[0]:.2f}",
                    flush=True,
                )
            framework_rps = sum(f[0] for f, _ in rounds) / len(rounds)
            events_rps = sum(e[0] for _, e in rounds) / len(rounds)
            framework_p99 = sorted(f[1] for f, _ in rounds)[len(rounds) // 2]  # median of the rounds
            events_p99 = sorted(e[1] for _, e in rounds)[len(rounds) // 2]
        else:
            framework_rps, latencies = asyncio.run(load(base, CEILING, args.seconds))
            framework_p99 = p99(latencies)
            events_rps, latencies = asyncio.run(load(base, QUERY, args.seconds))
            events_p99 = p99(latencies)
    finally:
        proc.terminate()
        proc.wait()
        if parse_proc is not None:
            parse_proc.terminate()
            parse_proc.wait()
    print(f"client={'wrk' if use_wrk else 'httpx'} framework_p99_ms={framework_p99:.1f}")
    if parse_rounds:
        parse_rps = sum(r[0] for r in parse_rounds) / len(parse_rounds)
        parse_p99 = sorted(r[1] for r in parse_rounds)[len(parse_rounds) // 2]
        print(f"parse_rps={parse_rps:.0f} parse_p99_ms={parse_p99:.1f} events_vs_parse={events_rps / parse_rps:.2f}")
    print(
        f"events_rps={events_rps:.0f} framework_rps={framework_rps:.0f} "
        f"ratio={events_rps / framework_rps:.2f} p99_ms={events_p99:.1f}"
    )


if __name__ == "__main__":
    main()
