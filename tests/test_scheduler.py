"""The worker: one leader at a time (PostgreSQL advisory lock / SQLite file lock), recorded runs,
failures that do not stop the scheduler, and the tombstone purge."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import msgspec
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.api.context import JobContext
from core.api.contract import ModuleSpec, ScheduledJob
from core.api.push import BoundPush, UnavailablePush
from core.db import create_engine, create_unpooled_engine, session_factory
from core.errors import StartupError
from core.job_plan import plan_jobs
from core.job_runs import run_recorded
from core.leadership import LEADER_LOCK_KEY, FileLock
from core.loader import EnabledModule, ModuleToml, Plan, build_plan
from core.maintenance import PURGE_JOB_KEY
from core.models import JobRun, Tombstone
from core.scheduler import EmbeddedWorker
from core.testing import TEST_MANIFEST, load_test_manifest, make_settings
from schemas import LocalizedText

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


async def eventually(probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], within: float, what: str) -> T:
    """Polls ``probe`` until ``done`` says yes; fails after ``within`` seconds naming ``what``."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.2)


async def job_runs(url: str, key: str | None = None) -> list[JobRun]:
    engine = create_unpooled_engine(url)
    try:
        async with session_factory(engine)() as session:
            query = select(JobRun).order_by(JobRun.started_at)
            if key is not None:
                query = query.where(JobRun.job_key == key)
            return list((await session.scalars(query)).all())
    finally:
        await engine.dispose()


def assert_no_overlap(runs: list[JobRun]) -> None:
    finished = [r for r in runs if r.finished_at is not None]
    for earlier, later in itertools.pairwise(finished):
        assert earlier.finished_at is not None
        assert earlier.finished_at <= later.started_at, f"runs overlap: {earlier.worker_id} and {later.worker_id}"


# --------------------------------------------------------------------------------------------
# two real worker processes
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WorkerProcess:
    def __init__(self, url: str, worker_id: str, logs: Path) -> None:
        self.worker_id = worker_id
        self.port = free_port()
        self.log_path = logs / f"{worker_id}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("STADTKERN_")}
        env.update(
            STADTKERN_ENV="test",
            STADTKERN_DATABASE_URL=url,
            STADTKERN_MANIFEST_PATH=str(TEST_MANIFEST),
            STADTKERN_MAINTENANCE_INTERVAL_SECONDS="1",
            STADTKERN_LEADER_POLL_SECONDS="0.5",
            STADTKERN_WORKER_ID=worker_id,
            STADTKERN_SECRET_KEY="test-secret-key-that-is-long-enough-for-hs256",
            STADTKERN_LOG_JSON="true",
        )
        with self.log_path.open("wb") as sink:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "core.cli", "worker", "--port", str(self.port)],
                env=env,
                cwd=ROOT,
                stdout=sink,
                stderr=sink,
            )

    async def get(self, path: str) -> httpx.Response:
        """A GET of the worker's own listener (/health/*, /metrics)."""
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=5) as client:
            return await client.get(path)

    def states(self) -> list[str]:
        """The leadership transitions this worker logged (JSON lines), in order."""
        found: list[str] = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("event") == "leadership":
                found.append(str(record.get("state")))
        return found

    def terminate(self, timeout: float = 15) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[[str, str], WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(url: str, worker_id: str) -> WorkerProcess:
        process = WorkerProcess(url, worker_id, tmp_path)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.kill()


async def two_workers_take_turns(url: str, spawn: Callable[[str, str], WorkerProcess]) -> None:
    a, b = spawn(url, "worker-a"), spawn(url, "worker-b")
    workers = {"worker-a": a, "worker-b": b}

    async def states() -> dict[str, list[str]]:
        for w in workers.values():
            assert w.proc.poll() is None, f"{w.worker_id} exited early:\n{w.log_path.read_text()}"
        return {wid: w.states() for wid, w in workers.items()}

    # Both are up: one leads, the other was refused the lock and stands by.
    seen = await eventually(
        states,
        lambda s: sorted(st[-1] for st in s.values() if st) == ["leader", "standby"],
        within=20,
        what="one leader and one standby",
    )
    leader_id = next(wid for wid, st in seen.items() if st[-1] == "leader")
    standby_id = next(wid for wid in workers if wid != leader_id)
    leader, standby = workers[leader_id], workers[standby_id]
    both_up = time.monotonic()

    runs = await eventually(
        lambda: job_runs(url, PURGE_JOB_KEY), lambda r: len(r) >= 3, within=10, what="three purge runs"
    )
    await asyncio.sleep(max(0.0, 4.0 - (time.monotonic() - both_up)))
    runs = await job_runs(url, PURGE_JOB_KEY)
    assert len(runs) >= 3
    assert {r.worker_id for r in runs} == {leader_id}, "only the leader may run jobs"
    await health_says_who_leads(leader, standby)
    assert_no_overlap(runs)
    assert standby.states()[-1] == "standby"
    # The push dispatch claims its own rows, so it runs on the standby too (every_worker).
    await eventually(
        lambda: job_runs(url, "push.dispatch@dortmund"),
        lambda r: {x.worker_id for x in r} == {leader_id, standby_id},
        within=10,
        what="push.dispatch on the leader and on the standby",
    )

    # The leader stops gracefully; the standby takes over within a few seconds.
    assert leader.terminate() == 0, leader.log_path.read_text()
    handed_over = time.monotonic()
    await eventually(
        lambda: job_runs(url, PURGE_JOB_KEY),
        lambda r: any(x.worker_id == standby_id for x in r),
        within=8,
        what=f"{standby_id} to take over",
    )
    assert time.monotonic() - handed_over < 8
    assert standby.states()[-1] == "leader"
    assert standby.terminate() == 0, standby.log_path.read_text()

    # The whole history: every run finished, first all of the old leader's, then the new one's.
    history = await job_runs(url, PURGE_JOB_KEY)
    assert all(r.outcome == "ok" and r.finished_at is not None for r in history)
    assert [r.worker_id for r in history] == sorted((r.worker_id for r in history), key=lambda w: w != leader_id), (
        "the old leader ran again after the hand-over"
    )
    assert_no_overlap(history)
    assert leader.states()[-1] == "stopped"


async def health_says_who_leads(leader: WorkerProcess, standby: WorkerProcess) -> None:
    """Each worker's /health/ready names its state and when its jobs last succeeded; its /metrics
    count the leadership and the runs."""
    mine = await leader.get("/health/ready")
    assert mine.status_code == 200, mine.text
    assert mine.json()["state"] == "leader" and mine.json()["worker_id"] == leader.worker_id
    purge = mine.json()["jobs"][PURGE_JOB_KEY]
    assert purge["last_outcome"] == "ok" and purge["last_success_at"] is not None
    theirs = await standby.get("/health/ready")
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["state"] == "standby"
    assert theirs.json()["jobs"][PURGE_JOB_KEY]["last_outcome"] is None, "a standby runs no leader job"
    assert (await standby.get("/health/live")).status_code == 200
    leader_metrics = (await leader.get("/metrics")).text
    assert "stadtkern_worker_leader 1.0" in leader_metrics
    assert f'stadtkern_job_runs_total{{job="{PURGE_JOB_KEY}",outcome="ok",tenant=""}}' in leader_metrics
    assert "stadtkern_worker_leader 0.0" in (await standby.get("/metrics")).text


async def test_two_workers_on_postgresql_one_leads(database: str, spawn: Callable[[str, str], WorkerProcess]) -> None:
    if not database.startswith("postgresql"):
        pytest.skip(
            "leadership through pg_try_advisory_lock needs PostgreSQL; the SQLite leg is "
            "test_two_workers_on_sqlite_one_leads (file lock)"
        )
    await two_workers_take_turns(database, spawn)


async def test_two_workers_on_sqlite_one_leads(database: str, spawn: Callable[[str, str], WorkerProcess]) -> None:
    if not database.startswith("sqlite"):
        pytest.skip(
            "the flock on <db>.worker.lock only exists for SQLite; the PostgreSQL leg is "
            "test_two_workers_on_postgresql_one_leads (advisory lock)"
        )
    await two_workers_take_turns(database, spawn)
    assert lock_file_exists(database)


def lock_file_exists(sqlite_url: str) -> bool:
    return Path(sqlite_url.split("///", 1)[1] + ".worker.lock").is_file()


# --------------------------------------------------------------------------------------------
# in-process: jobs from module specs, failures, lost locks, the purge
# --------------------------------------------------------------------------------------------


class JobSettings(msgspec.Struct):
    greeting: str = "hallo"


SEEN: list[JobContext[Any]] = []


async def fine(ctx: JobContext[Any]) -> None:
    SEEN.append(ctx)


async def boom(ctx: JobContext[Any]) -> None:
    raise RuntimeError("resident max.mustermann@example.org broke it")


TEST_SPEC = ModuleSpec(
    id="testjobs",
    title=LocalizedText(de="Testjobs", en="Test jobs"),
    settings=JobSettings,
    jobs=(
        ScheduledJob(id="fine", run=fine, every_seconds=1),
        ScheduledJob(id="boom", run=boom, every_seconds=1),
        ScheduledJob(id="nightly", run=fine, cron="30 3 * * *", jitter=60),
    ),
)


def plan_with_test_module(spec: ModuleSpec = TEST_SPEC) -> Plan:
    """The test manifest's plan, plus ``testjobs`` enabled in Dortmund only."""
    base = build_plan(load_test_manifest())
    meta = ModuleToml(id=spec.id, version="0.1.0", requires_core=">=0.1")
    base.tenants["dortmund"].modules[spec.id] = EnabledModule(
        spec=spec, meta=meta, min_app_version=None, settings=JobSettings(greeting="moin")
    )
    return dataclasses.replace(base, specs={**base.specs, spec.id: spec}, metas={**base.metas, spec.id: meta})


@pytest.fixture
async def factory(database: str) -> Any:
    engine = create_engine(database)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def test_jobs_come_from_specs_per_enabling_city() -> None:
    settings = make_settings("sqlite+aiosqlite:///:memory:")
    jobs = {j.key: j for j in plan_jobs(settings, plan_with_test_module(), async_sessionmaker(), UnavailablePush())}
    # (other installed modules, push for instance, may add their own jobs)
    assert {k for k in jobs if k.split(".")[0] in ("core", "testjobs")} == {
        PURGE_JOB_KEY,
        "testjobs.fine@dortmund",
        "testjobs.boom@dortmund",
        "testjobs.nightly@dortmund",
    }
    nightly = jobs["testjobs.nightly@dortmund"].trigger()
    assert str(nightly.timezone) == "Europe/Berlin" and nightly.jitter == 60
    assert jobs["testjobs.fine@dortmund"].trigger().interval == dt.timedelta(seconds=1)
    assert jobs[PURGE_JOB_KEY].trigger().interval == dt.timedelta(seconds=settings.maintenance_interval_seconds)

    broken = dataclasses.replace(TEST_SPEC, jobs=(ScheduledJob(id="bad", run=fine, cron="61 * * * *"),))
    with pytest.raises(StartupError, match=r"testjobs.*bad.*cron"):
        plan_jobs(settings, plan_with_test_module(broken), async_sessionmaker(), UnavailablePush())


async def test_failing_job_is_recorded_and_the_scheduler_keeps_running(
    database: str, factory: async_sessionmaker[Any], caplog: pytest.LogCaptureFixture
) -> None:
    SEEN.clear()
    settings = make_settings(database, leader_poll_seconds=0.1, worker_id="in-process")
    worker = EmbeddedWorker(settings, plan_with_test_module(), factory, UnavailablePush())
    caplog.set_level(logging.INFO)
    await worker.start()
    try:

        async def outcomes() -> dict[str, list[str]]:
            runs = await job_runs(database)
            return {k: [r.outcome for r in runs if r.job_key == f"testjobs.{k}@dortmund"] for k in ("boom", "fine")}

        seen = await eventually(
            outcomes,
            lambda o: o["boom"].count("failed") >= 2 and o["fine"].count("ok") >= 2,
            within=8,
            what="two failed runs of boom and two ok runs of fine",
        )
        assert worker.is_leader
    finally:
        await worker.stop()
    assert worker.state == "stopped"
    assert set(seen["boom"]) == {"failed"} and set(seen["fine"]) == {"ok"}
    runs = await job_runs(database)  # (push's own jobs run too; they are not this test's concern)
    assert all(r.finished_at is not None and r.worker_id == "in-process" for r in runs), "stop() waits for runs"
    ours = [r for r in runs if r.job_key.startswith("testjobs.")]
    assert ours and all(r.job_key.endswith("@dortmund") for r in ours), "Schwerte does not enable testjobs"

    ctx = SEEN[0]
    assert (ctx.module_id, ctx.job_id, ctx.tenant.slug) == ("testjobs", "fine", "dortmund")
    assert ctx.settings == JobSettings(greeting="moin")
    assert isinstance(ctx.push, BoundPush) and ctx.log.name == "stadtkern.jobs.testjobs"

    failures = [r for r in caplog.records if r.getMessage() == "job failed"]
    assert failures and all(getattr(r, "job", None) == "testjobs.boom@dortmund" for r in failures)
    assert not [r for r in caplog.records if "example.org" in r.getMessage()], "personal data in a log message"


async def test_leader_steps_down_when_its_lock_is_lost(
    database: str, factory: async_sessionmaker[Any], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(database, leader_poll_seconds=0.1)
    worker = EmbeddedWorker(settings, build_plan(load_test_manifest()), factory, UnavailablePush())
    caplog.set_level(logging.INFO, logger="stadtkern.worker")

    def reasons() -> list[str]:
        return [getattr(r, "reason", "") for r in caplog.records if getattr(r, "event", None) == "leadership"]

    async def current() -> list[str]:
        return reasons()

    await worker.start()
    try:
        await eventually(current, lambda r: "lock acquired" in r, within=5, what="leadership")
        if database.startswith("postgresql"):
            engine = create_unpooled_engine(database)
            try:
                async with engine.begin() as conn:
                    killed = await conn.scalar(
                        text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' "
                            "AND classid = :hi AND objid = :lo AND granted"
                        ),
                        {"hi": LEADER_LOCK_KEY >> 32, "lo": LEADER_LOCK_KEY & 0xFFFFFFFF},
                    )
                assert killed == 1
            finally:
                await engine.dispose()
        else:
            lock = worker._lock
            assert isinstance(lock, FileLock)
            lock.path.unlink()  # a new file could be locked by another worker: the old lock is void
        found = await eventually(current, lambda r: r.count("lock acquired") >= 2, within=5, what="re-election")
        assert found[found.index("lock acquired") + 1] == "lock lost"
    finally:
        await worker.stop()


async def test_purge_removes_only_tombstones_past_retention(database: str, factory: async_sessionmaker[Any]) -> None:
    settings = make_settings(database, tombstone_retention_days=30)
    now = dt.datetime.now(dt.UTC)
    async with factory() as session, session.begin():
        session.add_all(
            [
                Tombstone(
                    tenant_id="dortmund", resource="events", item_id="old", deleted_at=now - dt.timedelta(days=31)
                ),
                Tombstone(
                    tenant_id="schwerte", resource="events", item_id="fresh", deleted_at=now - dt.timedelta(days=29)
                ),
            ]
        )
    purge = next(j for j in plan_jobs(settings, build_plan(load_test_manifest()), factory, UnavailablePush()))
    assert purge.key == PURGE_JOB_KEY

    assert await run_recorded(factory, "tester", purge.key, purge.run) == "ok"

    async with factory() as session:
        left = (await session.scalars(select(Tombstone.item_id))).all()
    assert left == ["fresh"]
    [run] = await job_runs(database, PURGE_JOB_KEY)
    assert (run.outcome, run.worker_id) == ("ok", "tester") and run.finished_at is not None
    assert run.finished_at >= run.started_at


async def test_a_job_cancelled_on_step_down_logs_one_line_not_a_traceback(
    database: str, factory: async_sessionmaker[Any], caplog: pytest.LogCaptureFixture
) -> None:
    worker = EmbeddedWorker(make_settings(database), build_plan(load_test_manifest()), factory, UnavailablePush())
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(30)

    from core.job_plan import PlannedJob

    job = PlannedJob(
        key="events.feeds@dortmund", trigger=lambda: None, run=slow, every_seconds=900, misfire_grace_time=1
    )
    caplog.set_level(logging.INFO)
    task = asyncio.create_task(worker._run_tracked(job, set()))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    await asyncio.wait_for(task, 5)  # returns: APScheduler's executor sees no exception to print
    assert [r.getMessage() for r in caplog.records if r.name == "stadtkern.worker"] == ["job cancelled"]
    assert not [r for r in caplog.records if r.exc_info]


def test_http_clients_do_not_log_every_request() -> None:
    from core.observability import configure_logging

    configure_logging("INFO", as_json=False)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("stadtkern.worker").isEnabledFor(logging.INFO)


async def test_a_frozen_leader_loses_its_lease_to_the_standby(
    database: str, spawn: Callable[[str, str], WorkerProcess]
) -> None:
    """SIGSTOP of the leader: PostgreSQL ends its idle lock session after the lease (10 s here), the
    standby leads; resumed, the old leader finds its lock gone and stands by."""
    if not database.startswith("postgresql"):
        pytest.skip("the lease is the lock connection's idle_session_timeout, a PostgreSQL setting")
    workers = {wid: spawn(database, wid) for wid in ("worker-a", "worker-b")}

    async def states() -> dict[str, list[str]]:
        return {wid: w.states() for wid, w in workers.items()}

    seen = await eventually(
        states,
        lambda s: sorted(st[-1] for st in s.values() if st) == ["leader", "standby"],
        within=20,
        what="one leader and one standby",
    )
    leader_id = next(wid for wid, st in seen.items() if st[-1] == "leader")
    standby_id = next(wid for wid in workers if wid != leader_id)
    frozen = time.monotonic()
    os.kill(workers[leader_id].proc.pid, signal.SIGSTOP)
    try:
        await eventually(states, lambda s: s[standby_id][-1] == "leader", within=25, what="the standby to lead")
        took_over = time.monotonic() - frozen
    finally:
        os.kill(workers[leader_id].proc.pid, signal.SIGCONT)
    print(f"takeover_s={took_over:.1f}")
    assert 9 <= took_over < 20, took_over  # the lease, plus a poll or two
    resumed = await eventually(
        states, lambda s: s[leader_id][-1] == "standby", within=15, what="the old leader to yield"
    )
    assert resumed[standby_id][-1] == "leader"
