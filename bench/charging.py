"""Charging benchmarks: the register import, status updates, and "available CCS >= 50 kW within 5 km".

    .venv/bin/python bench/charging.py [--url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_charging]
        [--rows 100000] [--locations 20000] [--updates 20000] [--seconds 10]

1. register: a register file of ``--rows`` rows in the Bundesnetzagentur export's shape (the real
   excerpt's rows repeated with new ids, spread over Germany; about 1.5 % fall in Dortmund), imported
   with Dortmund's bounding box in a child process: ``import_s`` and the child's peak RSS.
2. status: ``--locations`` locations in Dortmund (two EVSEs each, CCS and Type 2) written in bulk,
   then ``--updates`` AFIR status updates by EVSE id through the importer's own path
   (``apply_statuses``: one transaction, history rows included): ``status_updates_per_s``.
3. query: one uvicorn process serving the real app (plus a route answering a precomputed page from
   memory, the framework's ceiling), driven by wrk with 32 connections: the filtered query, the
   unfiltered city map (the same list without filters) and the ceiling, in alternating rounds.

Last line: ``{"import_s": …, "peak_mb": …, "status_updates_per_s": …, "query_rps": …, "query_p99_ms": …,
"map_rps": …, "ceiling_rps": …, "map_ratio": …}`` (JSON). Needs PostgreSQL with PostGIS and wrk
(``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from litestar import Response, get  # noqa: E402

from bench.events_list import _UNITS, _pinned, free_port, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_charging"
EXCERPT = ROOT / "modules" / "charging" / "tests" / "data" / "bnetza" / "ladesaeulenregister_excerpt.csv"
DORTMUND = [51.41, 7.30, 51.60, 7.64]
CENTRE = (51.5136, 7.4653)
CEILING = "/bench/precomputed"
QUERY = f"/v1/dortmund/charging/locations?lat={CENTRE[0]}&lon={CENTRE[1]}&radius_m=5000"
FILTERED = QUERY + "&plug=IEC_62196_T2_COMBO&min_power_kw=50&available=true"
MANIFEST = """
[tenants.dortmund]
name = "Dortmund"
locales = ["de", "en"]
time_zone = "Europe/Berlin"

[tenants.dortmund.modules.charging]
area = { bbox = [51.41, 7.30, 51.60, 7.64] }
stale_after_seconds = 86400
"""


def manifest_file() -> Path:
    path = Path(tempfile.gettempdir()) / "bench_charging_manifest.toml"
    path.write_text(MANIFEST)
    return path


def build_register(path: Path, rows: int, rng: random.Random) -> None:
    """The excerpt's preamble and header, then ``rows`` of its rows with new ids and places."""
    lines = EXCERPT.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    preamble, header = lines[:10], next(csv.reader([lines[10]], delimiter=";"))
    with EXCERPT.open(encoding="utf-8-sig", newline="") as source:
        sample = [r for r in csv.reader(source, delimiter=";") if len(r) == len(header) and r[0].isdigit()]
    lat_i, lon_i = header.index("Breitengrad"), header.index("Längengrad")
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.writelines(preamble)
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for i in range(rows):
            row = list(sample[i % len(sample)])
            row[0] = str(2_000_000 + i)
            if rng.random() < 0.015:
                lat, lon = rng.uniform(51.42, 51.59), rng.uniform(7.31, 7.63)
            else:
                lat, lon = rng.uniform(47.3, 55.0), rng.uniform(5.9, 15.0)
            row[lat_i], row[lon_i] = f"{lat:.6f}".replace(".", ","), f"{lon:.6f}".replace(".", ",")
            writer.writerow(row)


async def _migrate(url: str) -> Any:
    from core.db import create_unpooled_engine
    from core.loader import build_plan
    from core.manifest import load_manifest
    from core.migrate import upgrade

    await recreate_database(url.rsplit("/", 1)[1])
    engine = create_unpooled_engine(url)
    await upgrade(engine, build_plan(load_manifest(manifest_file())))
    return engine


async def import_child(url: str, path: str) -> None:
    """Child process: migrate, import the file, print the run's figures."""
    from stadtkern_charging.imports.bnetza_job import import_file
    from stadtkern_charging.settings import Area, ChargingSettings

    from core.api.tenancy import sessions_for_city
    from core.db import session_factory

    engine = await _migrate(url)
    began = time.perf_counter()
    run = await import_file(
        sessions_for_city(session_factory(engine), "dortmund"),
        "register",
        Path(path),
        ChargingSettings(area=Area(bbox=DORTMUND)),
    )
    seconds = time.perf_counter() - began
    await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"import_s": round(seconds, 2), "peak_mb": round(peak, 1), "kept": run.accepted, "outside": run.outside}
        )
    )


def bench_register(url: str, rows: int) -> dict[str, Any]:
    path = Path(tempfile.gettempdir()) / "bench_charging_register.csv"
    build_register(path, rows, random.Random(7))
    size_mb = path.stat().st_size / 2**20
    print(f"register: {rows} rows, {size_mb:.0f} MB; importing in a child process ...", flush=True)
    out = subprocess.run(
        [sys.executable, __file__, "--child-import", path.as_posix(), "--url", url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    print(f"register: {figures}", flush=True)
    return figures


PLUGS = (("IEC_62196_T2_COMBO", "DC", 150000), ("IEC_62196_T2", "AC_3_PHASE", 22080))
EMPTY_LISTS = ("publish_allowed_to", "related_locations", "directions", "facilities", "images", "warnings")


def _location(i: int, lid: Any, now: Any, rng: random.Random) -> dict[str, Any]:
    row: dict[str, Any] = {name: [] for name in EMPTY_LISTS}
    row.update(
        id=lid,
        tenant_id="dortmund",
        source="bench",
        source_id=f"DE*BEN*{i}",
        country_code="DE",
        party_id="BEN",
        ocpi_id=str(i),
        publish=True,
        name=f"Ladepunkt {i}",
        address="Straße 1",
        city="Dortmund",
        country="DEU",
        lat=rng.uniform(51.42, 51.59),
        lon=rng.uniform(7.31, 7.63),
        time_zone="Europe/Berlin",
        always_open=True,
        payment_mask=3,
        declared_payment_mask=0,
        last_updated=now,
        raw={},
        operator={"name": "Bench"},
        operator_key="bench",
    )
    return row


def _evse(i: int, n: int, eid: Any, lid: Any, now: Any, rng: random.Random) -> dict[str, Any]:
    evse_id = f"DE*BEN*E{i}*{n}"
    status = rng.choice(("AVAILABLE", "CHARGING", "CHARGING", "OUTOFORDER"))
    return {
        "id": eid,
        "tenant_id": "dortmund",
        "location_id": lid,
        "uid": f"{i}-{n}",
        "evse_id": evse_id,
        "evse_key": evse_id.replace("*", ""),
        "status": status,
        "status_since": now,
        "status_reported_at": now,
        "live": True,
        "status_schedule": [],
        "capabilities": [],
        "directions": [],
        "parking_restrictions": [],
        "images": [],
        "last_updated": now,
    }


def _connector(eid: Any, lid: Any, plug: tuple[str, str, int], now: Any, ident: Any) -> dict[str, Any]:
    standard, power_type, watts = plug
    return {
        "id": ident,
        "tenant_id": "dortmund",
        "evse_id": eid,
        "location_id": lid,
        "connector_id": "1",
        "standard": standard,
        "format": "CABLE",
        "power_type": power_type,
        "max_voltage": 500,
        "max_amperage": 300,
        "max_electric_power": watts,
        "power_w": watts,
        "tariff_ids": [],
        "last_updated": now,
    }


async def load_locations(url: str, count: int, rng: random.Random) -> list[str]:
    """``count`` locations around Dortmund (a CCS and a Type 2 EVSE each), written in bulk; the EVSE ids."""
    from sqlalchemy import insert
    from stadtkern_charging.models import Connector, Evse, Location, new_id

    from core.api import utcnow
    from core.db import create_unpooled_engine, session_factory

    engine = create_unpooled_engine(url)
    now, evse_ids = utcnow(), []
    async with session_factory(engine)() as session, session.begin():
        for first in range(0, count, 2000):
            locations, evses, connectors = [], [], []
            for i in range(first, min(count, first + 2000)):
                lid = new_id()
                locations.append(_location(i, lid, now, rng))
                for n, plug in enumerate(PLUGS):
                    eid = new_id()
                    evses.append(_evse(i, n, eid, lid, now, rng))
                    connectors.append(_connector(eid, lid, plug, now, new_id()))
                    evse_ids.append(evses[-1]["evse_id"])
            await session.execute(insert(Location), locations)
            await session.execute(insert(Evse), evses)
            await session.execute(insert(Connector), connectors)
    async with engine.begin() as connection:  # the planner's statistics after a bulk load (committed)
        await connection.exec_driver_sql("ANALYZE charging_location, charging_evse, charging_connector")
    await engine.dispose()
    return evse_ids


async def bench_status(url: str, evse_ids: list[str], updates: int, rng: random.Random) -> float:
    """AFIR status updates by EVSE id through ``apply_statuses`` (one publication, one transaction)."""
    from stadtkern_charging.imports.afir_job import apply_statuses

    from core.api.tenancy import sessions_for_city
    from core.db import create_unpooled_engine, session_factory

    chosen = rng.sample(evse_ids, min(updates, len(evse_ids)))
    words = ("available", "charging", "occupied", "faulted")
    doc = {
        "payload": {
            "aegiEnergyInfrastructureStatusPublication": {
                "energyInfrastructureSiteStatus": [
                    {
                        "energyInfrastructureStationStatus": [
                            {
                                "refillPointStatus": [
                                    {
                                        "aegiRefillPointStatus": {
                                            "reference": {"idG": e},
                                            "status": {"value": rng.choice(words)},
                                        }
                                    }
                                    for e in chosen
                                ]
                            }
                        ]
                    }
                ]
            }
        }
    }
    engine = create_unpooled_engine(url)
    began = time.perf_counter()
    report = await apply_statuses(sessions_for_city(session_factory(engine), "dortmund"), "bench-afir", doc)
    seconds = time.perf_counter() - began
    await engine.dispose()
    assert report.accepted == len(chosen), report.messages[:3]
    return len(chosen) / seconds


async def analyze(url: str) -> None:
    from core.db import create_unpooled_engine

    engine = create_unpooled_engine(url)
    async with engine.begin() as connection:
        await connection.exec_driver_sql("ANALYZE charging_location, charging_evse, charging_connector")
    await engine.dispose()


def bench_app() -> Any:
    """uvicorn factory: the real app plus the precomputed-JSON route."""
    from core.app import create_app
    from core.testing import make_settings

    payload = Path(os.environ["BENCH_PAYLOAD"]).read_bytes()

    @get(CEILING, sync_to_thread=False, summary="benchmark ceiling", include_in_schema=False)
    def precomputed() -> Response[bytes]:
        return Response(payload, media_type="application/json")

    settings = make_settings(
        os.environ["BENCH_DB"],
        manifest_path=str(manifest_file()),
        rate_limit_per_minute=10_000_000,
        log_json=False,
        env="production",
    )
    app = create_app(settings, migrate_on_start=False)
    app.register(precomputed)
    return app


def wrk_load(base: str, path: str, seconds: float) -> tuple[float, float, int]:
    """Requests per second, p99 in ms and the count of errors (timeouts, non-2xx) from wrk."""
    import re

    cmd = ["wrk", "-t1", "-c32", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s", base + path]
    out = subprocess.run(_pinned(cmd, 1), capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(value) * _UNITS[unit], errors + (int(non_2xx.group(1)) if non_2xx else 0)


def _first(url: str) -> Any:
    """A first request, tried again while a cold server (or a busy machine) answers 503."""
    import httpx

    for _ in range(10):
        response = httpx.get(url, timeout=60)
        if response.status_code != 503:
            response.raise_for_status()
            return response
        time.sleep(1)
    response.raise_for_status()
    return response


def bench_http(url: str, seconds: float, rounds: int) -> dict[str, float]:
    import httpx

    port, payload = free_port(), Path(tempfile.gettempdir()) / "bench_charging_payload.json"
    payload.write_bytes(b'{"items":[]}')
    env = {**os.environ, "BENCH_DB": url, "BENCH_PAYLOAD": str(payload), "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.charging:bench_app",
        "--factory",
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
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(_pinned(cmd, 0), cwd=ROOT, env=env)
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/health/live", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        page = _first(base + QUERY)
        payload.write_bytes(page.content)  # the ceiling answers the same bytes from memory
        proc.terminate()
        proc.wait()
        proc = subprocess.Popen(_pinned(cmd, 0), cwd=ROOT, env=env)
        for _ in range(150):
            try:
                if httpx.get(base + "/health/live", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        _first(base + QUERY)
        filtered = _first(base + FILTERED).json()["items"]
        print(f"query: {len(filtered)} results on the first page", flush=True)
        figures: dict[str, list[tuple[float, float, int]]] = {"ceiling": [], "map": [], "query": []}
        for _ in range(rounds):
            for name, path in (("ceiling", CEILING), ("map", QUERY), ("query", FILTERED)):
                figures[name].append(wrk_load(base, path, seconds / rounds))
    finally:
        proc.terminate()
        proc.wait()
    mean = {k: sum(r for r, _, _ in v) / len(v) for k, v in figures.items()}
    p99 = sorted(p for _, p, _ in figures["query"])[len(figures["query"]) // 2]
    return {
        "query_rps": round(mean["query"], 1),
        "query_p99_ms": round(p99, 1),
        "map_rps": round(mean["map"], 1),
        "ceiling_rps": round(mean["ceiling"]),
        "map_ratio": round(mean["map"] / mean["ceiling"], 3),
        "http_errors": sum(e for v in figures.values() for _, _, e in v),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--locations", type=int, default=20_000)
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=9)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child-import", default=None)
    parser.add_argument("--only-http", action="store_true", help="reuse the database of the last run")
    args = parser.parse_args()
    if args.child_import:
        asyncio.run(import_child(args.url, args.child_import))
        return
    if args.only_http:
        print(json.dumps(bench_http(args.url, args.seconds, args.rounds)))
        return
    result: dict[str, Any] = bench_register(args.url, args.rows)
    rng = random.Random(11)
    engine_url = args.url

    async def prepare() -> list[str]:
        engine = await _migrate(engine_url)
        await engine.dispose()
        return await load_locations(engine_url, args.locations, rng)

    print(f"status: loading {args.locations} locations ...", flush=True)
    evse_ids = asyncio.run(prepare())
    rate = asyncio.run(bench_status(args.url, evse_ids, args.updates, rng))
    asyncio.run(analyze(args.url))  # what autovacuum would do after the updates' dead rows
    print(f"status: {rate:.0f} EVSE updates/s", flush=True)
    result["status_updates_per_s"] = round(rate)
    result.update(bench_http(args.url, args.seconds, args.rounds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
