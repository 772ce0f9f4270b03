"""Start-up time: from process start to the first 200 on /health/ready, embedded SQLite default.

    .venv/bin/python bench/startup.py [--runs 5]

Prints one line per run and, last, `startup_ms_median=<n> startup_ms_max=<n>`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_run(db_dir: str) -> float:
    port = free_port()
    env = {
        **os.environ,
        "STADTKERN_ENV": "dev",
        "STADTKERN_DATABASE_URL": f"sqlite+aiosqlite:///{db_dir}/bench.db",
        "STADTKERN_MANIFEST_PATH": str(ROOT / "module_manifest.toml"),
        "STADTKERN_LOG_LEVEL": "WARNING",
    }
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = started + 60
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=1) as r:
                    if r.status == 200:
                        return (time.perf_counter() - started) * 1000
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("server did not become ready within 60 s")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            ms = one_run(tmp)  # first run creates + migrates + seeds; later ones find it current
            times.append(ms)
            print(f"run {i + 1}: {ms:.0f} ms")
    print(f"startup_ms_median={statistics.median(times):.0f} startup_ms_max={max(times):.0f}")


if __name__ == "__main__":
    main()
