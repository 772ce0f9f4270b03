"""The fault suite's surroundings (bench/faults.py): a private PostgreSQL cluster, processes that are
always cleaned up, the manifest, the fake FCM server, seeding and the figure lines."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CREDENTIALS_ENV = "STADTKERN_TEST_FCM_CREDENTIALS"  # the name tests/push/dispatch_process.py reads
SECRET = "faults-secret-key-that-is-long-enough-for-hs256"  # noqa: S105 - a throwaway test key
TARGETS = "targets: lost=0 duplicates_shown=0 resent<=1 batch recovery_s<=10 (after the database is back) hung=0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Procs:
    """Every process a case starts; ``kill_all`` ends each of them by its own id (SIGCONT first)."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[Any]] = []

    def spawn(
        self, command: list[str], env: dict[str, str], log: Path | None = None, **kw: Any
    ) -> subprocess.Popen[Any]:
        sink = log.open("wb") if log else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=kw.pop("stdout", sink), stderr=sink, **kw)
        finally:
            if log and not isinstance(sink, int):
                sink.close()
        self.started.append(proc)
        return proc

    def kill_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGCONT)
                    proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(10)
        self.started.clear()


def base_env(url: str, manifest: Path, **extra: str) -> dict[str, str]:
    """The environment of a Stadtkern process on ``url`` (nothing of the caller's STADTKERN_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STADTKERN_")}
    env.update(
        STADTKERN_ENV="test",
        STADTKERN_DATABASE_URL=url,
        STADTKERN_MANIFEST_PATH=str(manifest),
        STADTKERN_SECRET_KEY=SECRET,
        STADTKERN_LOG_JSON="true",
        STADTKERN_RATE_LIMIT_PER_MINUTE="100000000",
        STADTKERN_DEVICE_REGISTRATIONS_PER_ADDRESS_HOUR="100000000",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def write_manifest(directory: Path) -> Path:
    """The test manifest (every module), Dortmund sending through FCM with no cap and no pacing."""
    text = (ROOT / "tests" / "manifest.toml").read_text()
    push = f'push_backend = "fcm"\npush_credentials_env = "{CREDENTIALS_ENV}"\n'
    text = text.replace("[tenants.dortmund]\n", "[tenants.dortmund]\n" + push, 1)
    text += "\n[tenants.dortmund.modules.push]\ndaily_cap = 0\nquota_share = 1.0\n"
    path = directory / "manifest.toml"
    path.write_text(text)
    return path


def migrate(url: str, manifest: Path, log: Path) -> None:
    with log.open("wb") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "core.cli", "migrate"],
            env=base_env(url, manifest),
            cwd=ROOT,
            stdout=sink,
            stderr=sink,
            timeout=300,
        )
    if done.returncode:
        raise RuntimeError(f"migrate failed, see {log}")


def pg_bin() -> Path:
    for candidate in (Path("/usr/lib/postgresql/15/bin"), Path("/usr/local/bin")):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("initdb")
    if not found:
        raise RuntimeError("no PostgreSQL binaries (initdb) found")
    return Path(found).parent


@dataclass
class PgCluster:
    """A PostgreSQL cluster of the suite's own: temp dir, free port, socket in the temp dir."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="stadtkern-faults-pg-")))
    port: int = field(default_factory=free_port)
    bin: Path = field(default_factory=pg_bin)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "faults") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if check and done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[-800:]}")
        return done

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        self.start()
        self._run("psql", "-h", str(self.root), "-p", str(self.port), "-U", "postgres", "-c", "CREATE DATABASE faults")

    def _options(self) -> str:
        return f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "pg.log"), "-w", "-o", self._options(), "start")

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "pg.log"), "-w", "-m", "fast", "-o",
                  self._options(), "restart")  # fmt: skip

    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def children(self, parent: int) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(stat.parent.name))
        return found

    def start_after_crash(self, backends: list[int]) -> None:
        """After the postmaster's SIGKILL: its orphaned backends exit (or are killed), then start."""
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in backends) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in backends:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for _ in range(50):
            if self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "pg.log"), "-w", "-o",
                         self._options(), "start", check=False).returncode == 0:  # fmt: skip
                return
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start again after the postmaster's SIGKILL")

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            if (self.data / "postmaster.pid").exists():
                pid = self.postmaster()
                for member in [pid, *self.children(pid)]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(member, signal.SIGCONT)
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False, timeout=30)
                for member in [pid, *self.children(pid)]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(member, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Fcm:
    """The fake FCM server (tests/push/fake_fcm.py) in threads of this process, recording."""

    server: Any
    fake: Any
    env: dict[str, str]

    @classmethod
    def start(cls) -> Fcm:
        from push.backends.fcm import ENDPOINT_ENV
        from tests.push.fake_fcm import FakeFcm, FakeFcmServer, service_account

        server = FakeFcmServer(FakeFcm(record=True))
        fake = server.start()
        env = {ENDPOINT_ENV: fake.h2c_url, CREDENTIALS_ENV: json.dumps(service_account(fake))}
        return cls(server, fake, env)

    def ok_count(self) -> int:
        return sum(1 for m in self.fake.received if m["_status"] == 200)

    def stop(self) -> None:
        self.server.stop()


def phone_figures(received: list[dict[str, Any]], tokens: set[str]) -> dict[str, Any]:
    """lost, duplicates (devices that got it twice or more), resent, and duplicates a phone shows
    twice: copies of one notification without one shared collapse key and apns-collapse-id."""
    copies: dict[str, list[dict[str, Any]]] = {}
    for message in received:
        if message["_status"] == 200:
            copies.setdefault(message["token"], []).append(message)
    shown = 0
    for messages in copies.values():
        keys = {
            (
                (m.get("android") or {}).get("collapse_key"),
                ((m.get("apns") or {}).get("headers") or {}).get("apns-collapse-id"),
            )
            for m in messages
        }
        if len(messages) > 1 and (len(keys) > 1 or None in next(iter(keys))):
            shown += 1
    duplicates = sum(1 for m in copies.values() if len(m) > 1)
    return {
        "attempts": len(received),
        "lost": len(tokens - set(copies)),
        "duplicates": duplicates,
        "duplicates_shown": shown,
        "resent": sum(len(m) - 1 for m in copies.values()),
    }


def figure_line(case: str, figures: dict[str, Any]) -> str:
    first = ["attempts", "lost", "duplicates", "recovery_s", "hung"]
    parts = [f"case={case}"] + [f"{k}={figures.get(k, 'n/a')}" for k in first]
    parts += [f"{k}={v}" for k, v in figures.items() if k not in first]
    return " ".join(parts)


def wait_ready(base: str, proc: subprocess.Popen[Any], within: float = 120) -> float:
    """Seconds until ``/health/ready`` answers 200; fails when the process ends first."""
    import httpx

    started = time.monotonic()
    while time.monotonic() - started < within:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before it was ready")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError("the server was not ready in time")
