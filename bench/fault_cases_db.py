"""Database faults (bench/faults.py): the API under a write load while PostgreSQL restarts, loses its
postmaster or freezes, and the embedded SQLite server killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.fault_env import ROOT, PgCluster, Procs, base_env, free_port, wait_ready

DEVICE = {"platform": "android", "locale": "de", "app_version": "1.4.0"}
HUNG_AFTER = 20.0  # seconds without an answer: a hung request
READ_PATH = "/v1/dortmund/events/occurrences"


@dataclass
class Load:
    """``writers`` clients registering devices (a 201 only once committed) and ``readers`` reading
    the events list, each one request at a time, for as long as the case runs."""

    base: str
    writers: int = 4
    readers: int = 1
    records: list[tuple[str, float, float, str, str | None]] = field(default_factory=list)
    acknowledged: list[uuid.UUID] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._client("w")) for _ in range(self.writers)]
        self.tasks += [asyncio.create_task(self._client("r")) for _ in range(self.readers)]

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks)

    async def _client(self, kind: str) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=HUNG_AFTER) as client:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    if kind == "w":
                        response = await client.post("/v1/dortmund/devices", json=DEVICE)
                    else:
                        response = await client.get(READ_PATH)
                except httpx.TimeoutException:
                    self.records.append((kind, started, time.monotonic(), "hung", None))
                    continue
                except httpx.TransportError:
                    self.records.append((kind, started, time.monotonic(), "refused", None))
                    await asyncio.sleep(0.05)
                    continue
                status = response.status_code
                self.records.append((kind, started, time.monotonic(), str(status), response.headers.get("retry-after")))
                if kind == "w" and status == 201:
                    self.acknowledged.append(uuid.UUID(response.json()["device"]["id"]))
                if status >= 500:
                    await asyncio.sleep(0.05)

    def first_ok_after(self, moment: float) -> float | None:
        ends = [end for kind, _s, end, status, _r in self.records if kind == "w" and status.startswith("2")]
        after = [end for end in ends if end >= moment]
        return min(after) - moment if after else None

    def counts(self, kind: str) -> dict[str, int]:
        found: Counter[str] = Counter()
        for k, _started, _end, status, retry_after in self.records:
            if k != kind:
                continue
            if status == "503":
                found["503_retry_after" if retry_after else "503_no_retry_after"] += 1
            elif status.startswith("5"):
                found["500"] += 1
            else:
                found[status if status in ("hung", "refused") or status.startswith("2") else "4xx"] += 1
        return dict(found)


def summary(load: Load, lost: int, back: float) -> dict[str, Any]:
    writes, reads = load.counts("w"), load.counts("r")
    first = load.first_ok_after(back)
    return {
        "attempts": sum(writes.values()),
        "lost": lost,
        "duplicates": 0,
        "recovery_s": "none" if first is None else round(first, 1),
        "hung": writes.get("hung", 0) + reads.get("hung", 0),
        "acknowledged": len(load.acknowledged),
        "writes": writes,
        "reads": reads,
        "slowest_s": round(max((end - start for _k, start, end, _s, _r in load.records), default=0.0), 1),
    }


async def count_lost(url: str, acknowledged: list[uuid.UUID]) -> int:
    from core.db import create_unpooled_engine
    from core.models import Device

    engine = create_unpooled_engine(url)
    try:
        async with engine.connect() as conn:
            present = set((await conn.scalars(sa.select(Device.id))).all())
    finally:
        await engine.dispose()
    return sum(1 for device in acknowledged if device not in present)


async def settle(load: Load, back: float) -> None:
    """Lets the load run until a write succeeded after ``back`` (at most 40 s), then 5 s more."""
    deadline = back + 40
    while time.monotonic() < deadline:
        if load.first_ok_after(back) is not None:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(5)
    await load.finish()


def pg_fault(pg: PgCluster, kind: str) -> None:
    """The fault itself, blocking (run in a thread): returns once the database is back."""
    if kind == "pg-restart":
        pg.restart()
        return
    pid = pg.postmaster()
    backends = pg.children(pid)
    if kind == "pg-postmaster-kill":
        os.kill(pid, signal.SIGKILL)
        pg.start_after_crash(backends)
        return
    frozen = [pid] if kind == "pg-sigstop" else [pid, *backends]
    for member in frozen:
        os.kill(member, signal.SIGSTOP)
    try:
        time.sleep(5)
    finally:
        for member in frozen:
            os.kill(member, signal.SIGCONT)


async def api_under_pg_fault(pg: PgCluster, manifest: Path, logs: Path, kind: str) -> dict[str, Any]:
    url = pg.url()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    procs = Procs()
    command = [sys.executable, "-m", "core.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    try:
        api = procs.spawn(command, base_env(url, manifest), logs / f"api-{kind}.log")
        await asyncio.to_thread(wait_ready, base, api)
        load = Load(base)
        load.start()
        await asyncio.sleep(3)
        fault = time.monotonic()
        await asyncio.to_thread(pg_fault, pg, kind)
        back = time.monotonic()
        await settle(load, back)
        ready = await readiness(base)
        if api.poll() is not None:
            raise RuntimeError(f"the API exited with {api.returncode}")
    finally:
        procs.kill_all()
    figures = summary(load, await count_lost(url, load.acknowledged), back)
    figures.update(outage_s=round(back - fault, 1), ready_after=ready)
    return figures


async def readiness(base: str) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=HUNG_AFTER) as client:
        return (await client.get("/health/ready")).status_code


async def sqlite_kill(logs: Path, tmp: Path) -> dict[str, Any]:
    """The embedded server (``stadtkern run``: SQLite, scheduler in-process) killed with SIGKILL
    under the write load, started again on the same file."""
    url = f"sqlite+aiosqlite:///{tmp / 'embedded.db'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = base_env(url, ROOT / "module_manifest.toml", STADTKERN_ENV="dev")
    command = [sys.executable, "-m", "core.cli", "run", "--host", "127.0.0.1", "--port", str(port)]
    procs = Procs()
    try:
        first = procs.spawn(command, env, logs / "sqlite-a.log")
        await asyncio.to_thread(wait_ready, base, first)
        load = Load(base)
        load.start()
        await asyncio.sleep(3)
        os.kill(first.pid, signal.SIGKILL)
        killed = time.monotonic()
        await asyncio.to_thread(first.wait, 10)
        second = procs.spawn(command, env, logs / "sqlite-b.log")
        await asyncio.to_thread(wait_ready, base, second)
        back = time.monotonic()
        await settle(load, back)
    finally:
        procs.kill_all()
    figures = summary(load, await count_lost(url, load.acknowledged), killed)
    figures.update(restart_s=round(back - killed, 1), after_ready_s=load.first_ok_after(back))
    if isinstance(figures["after_ready_s"], float):
        figures["after_ready_s"] = round(figures["after_ready_s"], 1)
    return figures
