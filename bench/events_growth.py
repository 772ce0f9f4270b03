"""Events growth benchmark: the residents' list at 2,000, 20,000 or 200,000 events, in every mode.

Loads ``--events`` events for Dortmund straight into PostgreSQL (a quarter of them weekly series of
33 dates, so about 9 occurrences per event: 18k, 184k, 1.84M rows), spread over the city, 9% of
them mentioning a concert (in the title of half of those, in the text of the others); then runs
``VACUUM ANALYZE`` — said in the output, as the events module's own bulk import does ANALYZE —
starts one uvicorn process (the real app, plus a route answering a precomputed first page from
memory: the framework's ceiling) and drives it with wrk, 32 connections, every request with
``Accept-Encoding: gzip, deflate, br`` as apps send it:

* ``cached``: "next 50, not cancelled", the same URL for everyone (the page cache answers);
* ``writes-1s`` / ``writes-100ms``: the same, while a writer changes an event every 1 s / 100 ms
  (the city's list version moves: every cached page is rebuilt once after each write);
* ``uncached``: a random ``from`` per request, so that every request builds its page;
* ``near``: random coordinates within the city per request, radius 2 km (never cached);
* ``fulltext``: ``q=konzert`` with a random ``from`` per request (real matches, never cached).

    .venv/bin/python bench/events_growth.py --events 20000 [--modes cached,near] [--seconds 10]

One line per mode, the last line JSON with every mode: ``{"events": n, "framework_rps": …,
"modes": {"cached": {"rps": …, "p99_ms": …, "ratio": …}, …}}``. Needs wrk (``apt-get install wrk``).
The database ``bench_growth`` is dropped and created again.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.events_list import CEILING, MANIFEST, _pinned, free_port, recreate_database  # noqa: E402

URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_growth"
LIST = "/v1/dortmund/events/occurrences"
CENTRE = (51.5136, 7.4653)  # Dortmund; the city is about 22 x 20 km
HEADERS = {"Accept-Encoding": "gzip, deflate, br"}
MODES = ("cached", "writes-1s", "writes-100ms", "uncached", "near", "fulltext")
CONNECTIONS = 32
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}

# wrk request generators: Lua, one random query per request (math.random is seeded per thread).
RANDOM_FROM = """
local function from()
  local t = os.time() + math.random(0, 30 * 86400)
  return os.date("!%Y-%m-%dT%H:%M:%S", t) .. "%2B00:00"
end
"""
SCRIPTS = {
    "uncached": RANDOM_FROM + 'request = function() return wrk.format("GET", "{list}?limit=50&from=" .. from()) end',
    "near": 'request = function() return wrk.format("GET", string.format("{list}?limit=50&radius_km=2'
    '&lat=%.5f&lon=%.5f", {lat} + (math.random() - 0.5) * 0.18, {lon} + (math.random() - 0.5) * 0.3)) end',
    "fulltext": RANDOM_FROM
    + 'request = function() return wrk.format("GET", "{list}?limit=50&q=konzert&from=" .. from()) end',
}


def _texts(rng: random.Random) -> dict[str, Any]:
    if rng.random() >= 0.09:
        return {"title": {"de": "Veranstaltung", "en": "Event"}, "search_title": "veranstaltung event"}
    if rng.random() < 0.5:
        return {"title": {"de": "Konzert im Park", "en": "Concert"}, "search_title": "konzert im park concert"}
    return {"title": {"de": "Abendprogramm"}, "search_title": "abendprogramm", "search_text": "lesung mit konzert"}


def _batch(rng: random.Random, size: int, now: dt.datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from stadtkern_events.near_cells import cells_of

    events, occurrences = [], []
    for _ in range(size):
        event_id, start = uuid.uuid4(), now + dt.timedelta(minutes=rng.randint(60, 120 * 24 * 60))
        weekly = rng.random() < 0.25
        texts = {"search_text": "", **_texts(rng)}
        texts["search_text"] = f"{texts['search_title']} {texts['search_text']} beschreibung ort".strip()
        events.append(
            {
                "id": event_id,
                "tenant_id": "dortmund",
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=2),
                "time_zone": "Europe/Berlin",
                "rrule": "FREQ=WEEKLY;COUNT=33" if weekly else None,
                "lat": CENTRE[0] + rng.uniform(-0.09, 0.09),
                "lon": CENTRE[1] + rng.uniform(-0.15, 0.15),
                "place_name": "Ort",
                "categories": "|concert|" if "konzert" in texts["search_title"] else "|culture|",
                "is_free": rng.random() < 0.4,
                "published": True,
                "expanded_until": now + dt.timedelta(days=400),
                **texts,
            }
        )
        status = "cancelled" if rng.random() < 0.05 else "scheduled"
        place = {"lat": events[-1]["lat"], "lon": events[-1]["lon"]}
        place.update(cells_of(place["lat"], place["lon"]))
        for week in range(33 if weekly else 1):
            at = start + dt.timedelta(weeks=week)
            occurrences.append(
                {
                    "tenant_id": "dortmund",
                    "event_id": event_id,
                    "starts_at": at,
                    "ends_at": at + dt.timedelta(hours=2),
                    "recurrence_id": at,
                    "status": status,
                    "published": True,
                    **place,
                }
            )
    return events, occurrences


async def prepare(url: str, count: int) -> int:
    """A fresh database with ``count`` events; returns the number of occurrence rows."""
    from sqlalchemy import insert, text
    from stadtkern_events.models import Event, Occurrence

    from core.api import utcnow
    from core.db import create_unpooled_engine, session_factory
    from core.loader import build_plan
    from core.manifest import load_manifest
    from core.migrate import upgrade

    await recreate_database(url.rsplit("/", 1)[1])
    engine = create_unpooled_engine(url)
    await upgrade(engine, build_plan(load_manifest(MANIFEST)))
    rng, now, rows = random.Random(20), utcnow(), 0
    for first in range(0, count, 5000):
        events, occurrences = _batch(rng, min(5000, count - first), now)
        async with session_factory(engine)() as session, session.begin():
            await session.execute(insert(Event), events)
            await session.execute(insert(Occurrence), occurrences)
        rows += len(occurrences)
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return rows


def writer(url: str, interval: float, stop: threading.Event) -> None:
    """Changes one event and moves the city's list version every ``interval`` seconds, as an edit does."""

    async def run() -> None:
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            while not stop.is_set():
                async with conn.transaction():
                    await conn.execute(
                        "INSERT INTO events_version VALUES ('dortmund', 1) "
                        "ON CONFLICT (tenant_id) DO UPDATE SET version = events_version.version + 1"
                    )
                    await conn.execute(
                        "UPDATE events_event SET updated_at = now() WHERE id = (SELECT id FROM events_event LIMIT 1)"
                    )
                await asyncio.sleep(interval)
        finally:
            await conn.close()

    asyncio.run(run())


def wrk(base: str, path_or_script: str, seconds: float) -> tuple[float, float]:
    """Requests per second and p99 in ms (non-2xx answers fail the run)."""
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in HEADERS.items():
        cmd += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if path_or_script.startswith("/"):
            cmd.append(base + path_or_script)
        else:
            script.write(path_or_script)
            script.flush()
            cmd += ["-s", script.name, base]
        out = subprocess.run(_pinned(cmd, 1), capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"errors under load\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return rps, float(value) * _UNITS[unit]


def start_server(url: str, payload: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = free_port()
    env = {**os.environ, "BENCH_DB": url, "BENCH_PAYLOAD": str(payload)}
    cmd = [sys.executable, "-m", "uvicorn", "bench.events_list:bench_app", "--factory", "--port", str(port)]
    cmd += ["--host", "127.0.0.1", "--workers", "1", "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(_pinned(cmd, 0), cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(base + "/health/live", timeout=1).status_code < 500:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the app did not start")


def run_mode(mode: str, base: str, url: str, seconds: float) -> tuple[float, float]:
    if mode.startswith("writes-"):
        stop = threading.Event()
        interval = 1.0 if mode == "writes-1s" else 0.1
        thread = threading.Thread(target=writer, args=(url, interval, stop), daemon=True)
        thread.start()
        try:
            return wrk(base, CACHED, seconds)
        finally:
            stop.set()
            thread.join()
    if mode == "cached":
        return wrk(base, CACHED, seconds)
    return wrk(base, SCRIPTS[mode].format(list=LIST, lat=CENTRE[0], lon=CENTRE[1]), seconds)


CACHED = f"{LIST}?hide_cancelled=true&limit=50"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--url", default=URL)
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown modes {sorted(unknown)}; choose from {', '.join(MODES)}")
    began = time.perf_counter()
    rows = asyncio.run(prepare(args.url, args.events))
    print(f"loaded {args.events} events, {rows} occurrences, then VACUUM ANALYZE: {time.perf_counter() - began:.0f} s")
    payload = ROOT / "bench" / ".events_payload.json"
    payload.write_bytes(b'{"items":[]}')
    proc, base = start_server(args.url, payload)
    try:
        import httpx

        payload.write_bytes(httpx.get(base + CACHED, timeout=30).content)  # a real first page, as the ceiling
    finally:
        proc.terminate()
        proc.wait()
    proc, base = start_server(args.url, payload)
    results: dict[str, dict[str, float]] = {}
    try:
        wrk(base, CEILING, 2)  # warm-up
        framework_rps, framework_p99 = wrk(base, CEILING, args.seconds)
        print(f"framework: {framework_rps:.0f} requests/s, p99 {framework_p99:.1f} ms", flush=True)
        for mode in modes:
            rps, p99 = run_mode(mode, base, args.url, args.seconds)
            results[mode] = {"rps": round(rps), "p99_ms": round(p99, 1), "ratio": round(rps / framework_rps, 2)}
            print(f"{mode}: {rps:.0f} requests/s, p99 {p99:.1f} ms, {rps / framework_rps:.2f} of the framework")
    finally:
        proc.terminate()
        proc.wait()
    print(
        json.dumps(
            {"events": args.events, "occurrences": rows, "framework_rps": round(framework_rps), "modes": results}
        )
    )


if __name__ == "__main__":
    main()
