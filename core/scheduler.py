"""The worker: runs the modules' scheduled jobs (and the core's maintenance), one leader at a time.

What runs when is planned in :mod:`core.job_plan`; every run is recorded as a
:class:`~core.models.JobRun` row (:mod:`core.job_runs`).

Only the leader runs jobs (see :mod:`core.leadership` for the PostgreSQL advisory lock and the
SQLite file lock); a worker that does not get the lock stands by and retries every
``leader_poll_seconds``. Jobs marked ``every_worker`` (the push dispatch) are the exception: every
worker runs them from start to stop, leader or not, on a scheduler of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
import socket
from collections.abc import Sequence
from typing import Any, Literal

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.db import utcnow
from core.api.push import PushPort, UnavailablePush
from core.db import create_engine, session_factory
from core.errors import StartupError
from core.job_plan import PlannedJob, plan_jobs
from core.job_runs import RECORD_TIMEOUT, run_recorded
from core.leadership import LOCK_QUERY_TIMEOUT, LeaderLock, leader_lock
from core.loader import Plan, build_plan
from core.manifest import load_manifest
from core.metrics import count_leadership, know_cities
from core.models import JobRun
from core.settings import Settings

log = logging.getLogger("stadtkern.worker")

# How long a graceful stop waits for running jobs before cancelling them.
SHUTDOWN_GRACE_SECONDS = 30.0


def worker_identity(settings: Settings) -> str:
    return settings.worker_id or f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """Leadership loop plus, while leading, an APScheduler ``AsyncIOScheduler`` (in-memory jobs).

    ``start()`` returns at once (the loop runs as a background task); ``stop()`` stops the
    scheduler, waits for running jobs (up to ``shutdown_grace`` seconds), releases the lock.
    """

    def __init__(
        self,
        settings: Settings,
        plan: Plan,
        factory: async_sessionmaker[AsyncSession],
        port: PushPort,
        *,
        lock: LeaderLock | None = None,
        shutdown_grace: float = SHUTDOWN_GRACE_SECONDS,
    ) -> None:
        self.worker_id = worker_identity(settings)
        self.jobs: Sequence[PlannedJob] = plan_jobs(settings, plan, factory, port)
        self._leader_jobs = [job for job in self.jobs if not job.every_worker]
        self._everywhere_jobs = [job for job in self.jobs if job.every_worker]
        self.shutdown_grace = shutdown_grace
        self._factory = factory
        self._lock = lock or leader_lock(settings, self.worker_id)
        self._poll = max(0.05, settings.leader_poll_seconds)
        self._scheduler: Any = None
        self._everywhere: Any = None  # the scheduler of the every_worker jobs
        self._running: set[asyncio.Task[Any]] = set()
        self._running_everywhere: set[asyncio.Task[Any]] = set()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.state: Literal["starting", "leader", "standby", "stopped"] = "starting"

    @property
    def is_leader(self) -> bool:
        return self.state == "leader"

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    async def start(self) -> None:
        # APScheduler logs every run at INFO ("Running job ..."); our JobRun rows and logs say it
        # already. Its warnings (skipped runs, misfires) still come through. Explicit levels stay.
        for name in ("apscheduler.executors", "apscheduler.scheduler"):
            quiet = logging.getLogger(name)
            if quiet.level == logging.NOTSET:
                quiet.setLevel(logging.WARNING)
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._lead(), name=f"stadtkern-worker:{self.worker_id}")

    async def stop(self) -> None:
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            try:
                await task
            except Exception:
                log.exception("worker loop ended with an error", extra={"worker_id": self.worker_id})

    def _transition(self, state: Literal["leader", "standby", "stopped"], reason: str) -> None:
        if state == self.state:
            return
        self.state = state
        count_leadership(state, reason)
        level = logging.WARNING if reason == "lock lost" else logging.INFO
        log.log(
            level, state, extra={"event": "leadership", "state": state, "reason": reason, "worker_id": self.worker_id}
        )

    async def _lead(self) -> None:
        failing = False
        try:
            if self._everywhere_jobs:
                self._everywhere = self._scheduler_for(self._everywhere_jobs, self._running_everywhere, {})
            while not self._stopping.is_set():
                try:
                    if self.is_leader:
                        if not await self._lock.still_held():
                            await self._step_down(graceful=False)
                            self._transition("standby", "lock lost")
                    elif await self._lock.try_acquire():
                        await self._become_leader()
                    else:
                        self._transition("standby", "another worker leads")
                    failing = False
                except Exception as exc:  # the database may be away for a while; keep trying
                    if not failing:
                        log.warning(
                            "leader election failed; retrying",
                            extra={"worker_id": self.worker_id, "error": type(exc).__name__},
                        )
                    failing = True
                    if self.is_leader:
                        await self._step_down(graceful=False)
                    self._transition("standby", "lock error")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._poll)
        finally:
            try:
                if self.is_leader:
                    await self._step_down(graceful=True)
            finally:
                everywhere, self._everywhere = self._everywhere, None
                try:
                    await self._stop_scheduler(everywhere, self._running_everywhere, graceful=True)
                finally:
                    await self._lock.close()
                    self._transition("stopped", "shutdown")

    async def _last_starts(self) -> dict[str, dt.datetime]:
        """When each interval job last started, so a new leader keeps the cadence of the old one."""
        keys = [job.key for job in self._leader_jobs if job.every_seconds is not None]
        try:
            async with asyncio.timeout(RECORD_TIMEOUT), self._factory() as session:
                rows = await session.execute(
                    select(JobRun.job_key, func.max(JobRun.started_at))
                    .where(JobRun.job_key.in_(keys))
                    .group_by(JobRun.job_key)
                )
                return {key: started for key, started in rows if started is not None}
        except Exception:
            log.warning("could not read the last job runs; intervals start afresh", exc_info=True)
            return {}

    def _scheduler_for(
        self, jobs: Sequence[PlannedJob], running: set[asyncio.Task[Any]], last: dict[str, dt.datetime]
    ) -> Any:
        """A started AsyncIOScheduler with ``jobs``; their runs register in ``running``."""
        scheduler = AsyncIOScheduler(timezone=dt.UTC)
        now = utcnow()
        for job in jobs:
            options: dict[str, Any] = {}
            if job.every_seconds is not None and job.key in last:
                options["next_run_time"] = max(now, last[job.key] + dt.timedelta(seconds=job.every_seconds))
            scheduler.add_job(
                self._run_tracked,
                job.trigger(),
                args=[job, running],
                id=job.key,
                name=job.key,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=job.misfire_grace_time,
                replace_existing=True,
                **options,
            )
        scheduler.start()
        return scheduler

    async def _become_leader(self) -> None:
        try:
            last = await self._last_starts()
            scheduler = self._scheduler_for(self._leader_jobs, self._running, last)
        except BaseException:
            await self._lock.release()
            raise
        self._scheduler = scheduler
        self._transition("leader", "lock acquired")

    async def _run_tracked(self, job: PlannedJob, running: set[asyncio.Task[Any]]) -> None:
        task = asyncio.current_task()
        if task is not None:
            running.add(task)
        try:
            await run_recorded(self._factory, self.worker_id, job.key, job.run)
        except asyncio.CancelledError:
            # Cancelled on step-down (_step_down): expected, recorded and logged by run_recorded, and
            # the next leader runs the job again. Re-raised, APScheduler's executor would log it once
            # more as a failure, with a traceback.
            pass
        finally:
            if task is not None:
                running.discard(task)

    async def _step_down(self, *, graceful: bool) -> None:
        """Stop scheduling, finish (graceful) or cancel (lock lost) running jobs, release the lock."""
        scheduler, self._scheduler = self._scheduler, None
        try:
            await self._stop_scheduler(scheduler, self._running, graceful=graceful)
        finally:
            await self._lock.release()

    async def _stop_scheduler(self, scheduler: Any, running_set: set[asyncio.Task[Any]], *, graceful: bool) -> None:
        if scheduler is None:
            return
        scheduler.pause()
        await asyncio.sleep(0)  # jobs submitted just now register themselves first
        running = set(running_set)
        if running and graceful:
            _done, running = await asyncio.wait(running, timeout=self.shutdown_grace)
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=LOCK_QUERY_TIMEOUT)
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the next loop iteration


class EmbeddedWorker(Worker):
    """The same worker, started inside the API process for the embedded default (``make run``)."""


async def run_worker(settings: Settings, *, host: str = "127.0.0.1", port: int | None = None) -> None:
    """``stadtkern worker``: lead or stand by until SIGTERM/SIGINT, then stop gracefully; with a
    ``port``, serve ``/health/*`` and ``/metrics`` there (core.worker_http)."""
    from core.worker_http import WorkerListener, worker_app

    manifest = load_manifest(settings.manifest_path)
    know_cities(manifest.tenants)
    plan = build_plan(manifest)
    push_port: PushPort = plan.ports.get("push") or UnavailablePush()
    engine = create_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    try:
        from core.migrate import pending

        behind = await pending(engine, plan)
        if behind:
            raise StartupError(f"database schema is behind for {', '.join(behind)}; run `stadtkern migrate` first")
        worker = Worker(settings, plan, session_factory(engine), push_port)
        listener = WorkerListener(worker_app(settings, worker, engine), host, port) if port is not None else None
        if listener is not None:
            await listener.start()
        try:
            await _work_until_stopped(worker, listener.bound if listener is not None else None)
        finally:
            if listener is not None:
                await listener.stop()
    finally:
        await engine.dispose()


async def _work_until_stopped(worker: Worker, address: str | None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started", extra={"worker_id": worker.worker_id, "jobs": len(worker.jobs), "listen": address})
    await worker.start()
    stopper = asyncio.create_task(stop.wait())
    try:
        waiting: set[asyncio.Future[Any]] = {stopper}
        if worker.task is not None:
            waiting.add(worker.task)
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        for sig in signals:
            loop.remove_signal_handler(sig)
        await worker.stop()
    log.info("worker stopped", extra={"worker_id": worker.worker_id})


__all__ = ["EmbeddedWorker", "Worker", "run_worker", "worker_identity"]
