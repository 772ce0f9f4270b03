"""Fault suite: real faults injected into real processes, one figure line per case.

    .venv/bin/python bench/faults.py [--cases a,b,...] [--quick] [--devices 2000] [--keep-logs]

Cases (all by default):

* ``dispatcher-kill-{10,30,60,90}``: N devices, one notification, a dispatcher process
  (``tests/push/dispatch_process.py``, production batch 500 / 4 calls, send lease 15 s) sending
  through the real firebase-admin client to the fake FCM server (``tests/push/fake_fcm.py``, HTTP/2),
  SIGKILLed when that share of the messages has arrived; a second dispatcher, started beforehand
  and waiting, is let go at once and finishes. ``duplicates_shown``: devices whose copies do not
  share one collapse key and apns-collapse-id (the phone would show them twice).
* ``leader-kill`` / ``leader-sigstop``: two ``stadtkern worker`` processes, SIGKILL / SIGSTOP of the
  leader 30 % into a fan-out to ``--leader-devices`` (5000; at least 2.5 s in, so both send):
  ``takeover_s`` (the standby logs leadership), ``first_job_s`` (its first recorded purge run),
  ``recovery_s`` (the fan-out recorded as done); SIGSTOP: the leader is
  resumed afterwards and whatever it still sends is counted.
* ``pg-restart``, ``pg-postmaster-kill``, ``pg-sigstop`` (postmaster only, 5 s),
  ``pg-sigstop-all`` (postmaster and every backend, 5 s): ``stadtkern serve`` under 4 clients
  registering devices and 1 reading the events list; responses by status, hung (no answer in
  20 s), ``recovery_s`` (database back -> first 201), lost (201 answered, device absent).
* ``sqlite-kill``: ``stadtkern run`` (embedded, SQLite) under the same load, SIGKILL, started
  again: ``recovery_s`` is kill -> first 201 (``restart_s`` of it is the restart).

PostgreSQL runs on a cluster of the suite's own (initdb into a temp dir, a free port, the socket in
that dir; as the ``postgres`` user when run as root), removed at the end; never the shared one.
Last line: JSON with every case.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fault_cases_db import api_under_pg_fault, sqlite_kill
from bench.fault_cases_push import PushCtx, dispatcher_kill, leader_fault
from bench.fault_env import TARGETS, Fcm, PgCluster, figure_line, migrate, write_manifest

PUSH = [f"dispatcher-kill-{n}" for n in (10, 30, 60, 90)] + ["leader-kill", "leader-sigstop"]
PG = ["pg-restart", "pg-postmaster-kill", "pg-sigstop", "pg-sigstop-all"]
ALL = [*PUSH, *PG, "sqlite-kill"]
QUICK = ["dispatcher-kill-30", "leader-sigstop", "pg-restart", "sqlite-kill"]


def case_runner(name: str, pg: PgCluster | None, push: PushCtx | None, logs: Path, tmp: Path) -> Awaitable[Any]:
    if name.startswith("dispatcher-kill-"):
        assert push is not None
        return dispatcher_kill(push, int(name.rsplit("-", 1)[1]))
    if name.startswith("leader-"):
        assert push is not None
        return leader_fault(push, name.split("-", 1)[1])
    if name.startswith("pg-"):
        assert pg is not None
        return api_under_pg_fault(pg, logs / "manifest.toml", logs, name)
    return sqlite_kill(logs, tmp)


async def run(args: argparse.Namespace, cases: list[str], logs: Path) -> dict[str, Any]:
    from core.testing.support import configure_manifest

    manifest = write_manifest(logs)
    configure_manifest(manifest)
    results: dict[str, Any] = {}
    pg: PgCluster | None = None
    fcm: Fcm | None = None
    tmp = Path(tempfile.mkdtemp(prefix="stadtkern-faults-"))
    try:
        if any(c != "sqlite-kill" for c in cases):
            pg = PgCluster()
            await asyncio.to_thread(pg.create)
            await asyncio.to_thread(migrate, pg.url(), manifest, logs / "migrate.log")
            print(f"private PostgreSQL cluster: {pg.bin}, port {pg.port}, {pg.root}", flush=True)
        push: PushCtx | None = None
        if pg is not None and any(c in PUSH for c in cases):
            fcm = Fcm.start()
            push = PushCtx(
                pg.url(), manifest, logs, fcm, args.devices, args.lease, args.leader_poll, args.leader_devices
            )
        for name in cases:
            started = time.monotonic()
            try:
                figures = await case_runner(name, pg, push, logs, tmp)
            except Exception as exc:  # one broken case does not stop the others
                traceback.print_exc()
                figures = {"error": f"{type(exc).__name__}: {exc}"}
            figures["case_s"] = round(time.monotonic() - started, 1)
            results[name] = figures
            print(figure_line(name, figures), flush=True)
    finally:
        if fcm is not None:
            fcm.stop()
        if pg is not None:
            await asyncio.to_thread(pg.remove)
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=None, help=f"comma-separated, of: {','.join(ALL)}")
    parser.add_argument("--quick", action="store_true", help=f"a small, fast set: {','.join(QUICK)}, 500 devices")
    parser.add_argument("--devices", type=int, default=None, help="devices per push case (default 2000)")
    parser.add_argument("--leader-devices", type=int, default=None, help="devices of the leader cases (default 5000)")
    parser.add_argument("--lease", type=float, default=15.0, help="the dispatchers' send lease (production: 15 s)")
    parser.add_argument("--leader-poll", type=float, default=0.5, help="the workers' STADTKERN_LEADER_POLL_SECONDS")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (their path is printed)")
    args = parser.parse_args()
    cases = args.cases.split(",") if args.cases else (QUICK if args.quick else ALL)
    unknown = [c for c in cases if c not in ALL]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    args.devices = args.devices or (500 if args.quick else 2000)
    args.leader_devices = args.leader_devices or (3000 if args.quick else 5000)
    logs = Path(tempfile.mkdtemp(prefix="stadtkern-faults-logs-"))
    started = time.monotonic()
    print(TARGETS, flush=True)
    try:
        results = asyncio.run(run(args, cases, logs))
    finally:
        if args.keep_logs:
            print(f"logs: {logs}")
        else:
            shutil.rmtree(logs, ignore_errors=True)
    print(f"total_s={time.monotonic() - started:.0f} devices={args.devices} leader_devices={args.leader_devices}")
    print(json.dumps({"devices": args.devices, "leader_devices": args.leader_devices, "cases": results}, default=str))


if __name__ == "__main__":
    main()
