"""Parking benchmark: DATEX II ingestion of 2,000 facilities, then the map call under load, each minute.

    .venv/bin/python bench/parking.py [--facilities 2000] [--rounds 3] [--period 60]
                                      [--url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_parking]

Each round (every ``--period`` seconds): a DATEX II 2.3 ``ParkingStatusPublication`` with fresh
numbers for every facility is parsed (lxml, streaming) and stored (state upsert + history sample)
in one transaction — ``ingest_updates_per_s``; right after it the map call
(``GET /v1/dortmund/parking/map``: every facility with its live state) is checked to carry exactly
the round's observation time for every facility, then driven with 32 keep-alive connections
through the real HTTP stack (one uvicorn process) for the rest of the period, alternating with a
route serving the same bytes precomputed from memory (the framework's ceiling, same run), both
with ``Accept-Encoding: gzip, deflate, br`` as apps send it (``--encoding ''`` for none). At the
end of the round the map is checked again. Load generator: ``wrk`` (``apt-get install wrk``) when
installed, else httpx. Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Response, get

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.events_list import _UNITS, CONCURRENCY, _pinned, free_port, load, p99, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_parking"
MAP = "/v1/dortmund/parking/map"
CEILING = "/bench/precomputed"
SOURCE = "bench"
BERLIN = ZoneInfo("Europe/Berlin")
MANIFEST = """
[tenants.dortmund]
name = "Dortmund"
locales = ["de", "en"]
time_zone = "Europe/Berlin"

[tenants.dortmund.modules.parking]
stale_after_seconds = 900
"""


def bench_app() -> Any:
    """uvicorn factory: the real app plus the precomputed-JSON route (the bytes of a real map answer)."""
    from core.app import create_app
    from core.testing import make_settings

    payload_path = Path(os.environ["BENCH_PAYLOAD"])
    cached: list[bytes] = []

    @get(CEILING, sync_to_thread=False, summary="benchmark ceiling", include_in_schema=False)
    def precomputed() -> Response[bytes]:
        if not cached:
            cached.append(payload_path.read_bytes())
        return Response(cached[0], media_type="application/json")

    app = create_app(
        make_settings(
            os.environ["BENCH_DB"],
            manifest_path=os.environ["BENCH_MANIFEST"],
            rate_limit_per_minute=10_000_000,
            log_json=False,
            env="production",
        ),
        migrate_on_start=False,
    )
    app.register(precomputed)
    return app


async def prepare(url: str, manifest: Path, count: int) -> None:
    """A fresh database, migrated, with ``count`` facilities around Dortmund's centre."""
    from stadtkern_parking.ingest import upsert_facilities
    from stadtkern_parking.records import Report, StaticRecord

    from core.api.tenancy import sessions_for_city
    from core.db import create_unpooled_engine, session_factory
    from core.loader import build_plan
    from core.manifest import load_manifest
    from core.migrate import upgrade

    await recreate_database(url.rsplit("/", 1)[1])
    plan = build_plan(load_manifest(manifest))
    engine = create_unpooled_engine(url)
    await upgrade(engine, plan)
    rng = random.Random(11)
    records = [
        StaticRecord(
            source_id=f"P{i}",
            fields={
                "name": f"Parkhaus {i}",
                "lat": 51.45 + rng.random() / 10,
                "lon": 7.40 + rng.random() / 6,
                "capacity": rng.choice((80, 150, 300, 500, 900)),
                "kind": "car_park",
            },
        )
        for i in range(count)
    ]
    async with sessions_for_city(session_factory(engine), "dortmund")() as session, session.begin():
        await upsert_facilities(session, SOURCE, records, Report(), {})
    await engine.dispose()


def status_publication(capacities: dict[str, int], when: dt.datetime, rng: random.Random) -> bytes:
    """A DATEX II 2.3 status publication (the Mobilithek's GenericPublication) for every facility."""
    stamp = when.isoformat().replace("+00:00", "Z")
    parts = [
        '<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' modelBaseVersion="2"><payloadPublication xsi:type="GenericPublication" lang="de">'
        f"<publicationTime>{stamp}</publicationTime>"
        "<genericPublicationName>ParkingStatusPublication</genericPublicationName>"
        "<genericPublicationExtension><parkingStatusPublication>"
    ]
    for sid, capacity in capacities.items():
        free = rng.randint(-3, capacity + 3)  # a few impossible values, as real feeds send
        parts.append(
            f'<parkingRecordStatus xsi:type="ParkingSiteStatus"><parkingRecordReference id="{sid}"'
            f' targetClass="ParkingRecord" version="1"/><parkingStatusOriginTime>{stamp}</parkingStatusOriginTime>'
            f"<parkingOccupancy><parkingNumberOfSpacesOverride>{capacity}</parkingNumberOfSpacesOverride>"
            f"<parkingNumberOfVacantSpaces>{free}</parkingNumberOfVacantSpaces></parkingOccupancy>"
            "<parkingSiteOpeningStatus>open</parkingSiteOpeningStatus></parkingRecordStatus>"
        )
    parts.append("</parkingStatusPublication></genericPublicationExtension></payloadPublication></d2LogicalModel>")
    return "".join(parts).encode()


async def ingest(url: str, body: bytes) -> tuple[float, int]:
    """Parses and stores one publication; returns (seconds, states written)."""
    from stadtkern_parking.datex2 import parse
    from stadtkern_parking.ingest import store_states
    from stadtkern_parking.records import Report

    from core.api import utcnow
    from core.api.tenancy import sessions_for_city
    from core.db import create_unpooled_engine, session_factory

    engine = create_unpooled_engine(url)
    try:
        sessions = sessions_for_city(session_factory(engine), "dortmund")
        async with sessions() as warm:  # connect before the clock starts
            await warm.connection()
        began = time.perf_counter()
        report = Report()
        delivery = parse(io.BytesIO(body), BERLIN, report)
        async with sessions() as session, session.begin():
            written = await store_states(session, SOURCE, delivery.status, report, utcnow())
        return time.perf_counter() - began, written
    finally:
        await engine.dispose()


async def capacities_of(url: str) -> dict[str, int]:
    """The benchmark facilities' capacities by source id."""
    from sqlalchemy import select
    from stadtkern_parking.models import Facility

    from core.api.tenancy import sessions_for_city
    from core.db import create_unpooled_engine, session_factory

    engine = create_unpooled_engine(url)
    try:
        async with sessions_for_city(session_factory(engine), "dortmund")() as session:
            rows = (await session.execute(select(Facility.source_id, Facility.capacity))).all()
            return {sid: int(capacity or 0) for sid, capacity in rows}
    finally:
        await engine.dispose()


def fresh(base: str, when: dt.datetime, count: int) -> tuple[bool, bytes]:
    """Whether the map shows every facility with exactly this round's observation time."""
    import httpx

    response = httpx.get(base + MAP, timeout=30)
    response.raise_for_status()
    items = response.json()["items"]
    stamps = {dt.datetime.fromisoformat(i["observed_at"]) for i in items}
    return len(items) == count and stamps == {when}, response.content


def wait_ready(base: str) -> None:
    """Until the server answers its liveness probe."""
    import httpx

    for _ in range(150):
        try:
            if httpx.get(base + "/health/live", timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def wrk_load(base: str, path: str, seconds: float, encoding: str) -> tuple[float, float]:
    """Requests per second and p99 in ms from wrk (5 s timeout: a shared machine stalls at times).

    Non-2xx answers fail the run; timeouts are printed, not hidden. ``encoding`` is sent as
    ``Accept-Encoding`` (none when empty), on both routes alike.
    """
    cmd = ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{max(1, round(seconds))}s", "--timeout", "5s", "--latency"]
    if encoding:
        cmd += ["-H", f"Accept-Encoding: {encoding}"]
    out = subprocess.run(_pinned([*cmd, base + path], 1), capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{path}: errors under load\n{out}")
    if "Socket errors" in out:
        print(f"  {path}: {out.split('Socket errors:', 1)[1].splitlines()[0].strip()}", flush=True)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return rps, float(value) * _UNITS[unit]


def drive(base: str, seconds: float, use_wrk: bool, encoding: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """(rps, p99 ms) of the ceiling and of the map, in alternating halves of ``seconds``; the httpx
    client sends its own ``Accept-Encoding: gzip, deflate``."""
    half = max(1.0, seconds / 2)
    if use_wrk:
        return wrk_load(base, CEILING, half, encoding), wrk_load(base, MAP, half, encoding)
    ceiling_rps, ceiling_lat = asyncio.run(load(base, CEILING, half))
    map_rps, map_lat = asyncio.run(load(base, MAP, half))
    return (ceiling_rps, p99(ceiling_lat)), (map_rps, p99(map_lat))


def main() -> None:
    """Prepare, then rounds of ingest + check + load; the figures, last line JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--facilities", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--period", type=float, default=60)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto")
    # What the residents' apps send (their HTTP stacks always ask for compression); '' for none.
    parser.add_argument("--encoding", default="gzip, deflate, br")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-parking-"))
    manifest = work / "manifest.toml"
    manifest.write_text(MANIFEST)
    print(f"loading {args.facilities} facilities ...", flush=True)
    asyncio.run(prepare(args.url, manifest, args.facilities))
    capacities = asyncio.run(capacities_of(args.url))
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BENCH_DB": args.url, "BENCH_MANIFEST": str(manifest), "BENCH_PAYLOAD": str(work / "map.json")}
    server = [sys.executable, "-m", "uvicorn", "bench.parking:bench_app", "--factory", "--host", "127.0.0.1"]
    server += ["--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(_pinned(server, 0) if use_wrk else server, cwd=ROOT, env=env)
    rng = random.Random(3)
    rates, ratios, p99s, checks = [], [], [], []
    try:
        wait_ready(base)
        for number in range(args.rounds):
            began = time.perf_counter()
            when = dt.datetime.now(dt.UTC).replace(microsecond=0)
            seconds, written = asyncio.run(ingest(args.url, status_publication(capacities, when, rng)))
            rates.append(written / seconds)
            ok, body = fresh(base, when, args.facilities)
            if number == 0:
                (work / "map.json").write_bytes(body)
            (ceiling, ceiling_p99), (map_rps, map_p99) = drive(
                base, args.period - (time.perf_counter() - began) - 3, use_wrk, args.encoding
            )
            still, _ = fresh(base, when, args.facilities)
            checks.append(ok and still)
            ratios.append(map_rps / ceiling)
            p99s.append(map_p99)
            print(
                f"round {number + 1}: ingest {written} states in {seconds * 1000:.0f} ms ({written / seconds:.0f}/s); "
                f"map {map_rps:.0f} rps (p99 {map_p99:.1f} ms) vs precomputed {ceiling:.0f} rps "
                f"(p99 {ceiling_p99:.1f} ms) = {map_rps / ceiling:.2f}; {len(body) // 1024} KiB; fresh={ok and still}",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait()
    result = {
        "bench": "parking",
        "client": "wrk" if use_wrk else "httpx",
        "accept_encoding": args.encoding if use_wrk else "gzip, deflate",
        "facilities": args.facilities,
        "ingest_updates_per_s": round(statistics.median(rates)),
        "map_vs_precomputed": round(statistics.median(ratios), 3),
        "map_p99_ms": round(statistics.median(p99s), 1),
        "always_fresh": all(checks),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
