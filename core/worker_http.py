"""The worker's own small HTTP listener: ``/health/live``, ``/health/ready`` and ``/metrics``.

A worker serves no API, but the orchestrator must see a dead or wedged one and Prometheus must
scrape what only the worker counts (jobs, leadership, push deliveries, the outbox backlog, feed
imports). ``stadtkern worker --port 8001`` serves these three routes, nothing else; keep the port
off the public proxy.

Readiness is about this process: 200 while it leads or stands by and its database answers within
``STADTKERN_HEALTH_TIMEOUT``; 503 while it starts, stops, or cannot reach the database. A failing
job does not make the worker unready — restarting it would not help; the body says when each job
last ran and succeeded here, and ``stadtkern_job_runs_total`` is what to alert on.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import msgspec
import uvicorn
from litestar import Litestar, Request, Response, get
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import StartupError
from core.http.problems import exception_handlers, problem
from core.metrics import last_runs
from core.routes.health import select_one, timed_probe
from core.routes.operator import metrics_routes
from core.settings import Settings

if TYPE_CHECKING:  # core.scheduler imports this module when the worker starts
    from core.scheduler import Worker


class JobHealth(msgspec.Struct):
    last_outcome: str | None  # ok, failed, cancelled, skipped; None: not run by this process yet
    last_finished_at: dt.datetime | None
    last_success_at: dt.datetime | None


class WorkerHealth(msgspec.Struct):
    status: Literal["ok"]
    state: Literal["leader", "standby"]
    worker_id: str
    jobs: dict[str, JobHealth]


@get("/health/live", summary="The worker process is up")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/health/ready", summary="Leading or standing by, database reachable; when each job last ran")
async def ready(request: Request[Any, Any, Any]) -> Response[Any]:
    worker: Worker = request.app.state.worker
    engine: AsyncEngine = request.app.state.engine
    timeout: float = request.app.state.health_timeout
    if worker.state not in ("leader", "standby"):
        return problem(503, f"worker is {worker.state}")
    down = await timed_probe(lambda: select_one(engine), timeout)
    if isinstance(down, Response):
        return down
    runs = last_runs()
    jobs = {}
    for job in worker.jobs:
        mark = runs.get(job.key)
        jobs[job.key] = (
            JobHealth(mark.outcome, mark.finished_at, mark.succeeded_at)
            if mark is not None
            else JobHealth(None, None, None)
        )
    return Response(WorkerHealth(status="ok", state=worker.state, worker_id=worker.worker_id, jobs=jobs))


def worker_app(settings: Settings, worker: Worker, engine: AsyncEngine) -> Litestar:
    """The listener's app; ``/metrics`` follows the API's rule (token in production)."""
    app = Litestar(
        route_handlers=[live, ready, *metrics_routes(settings)],
        exception_handlers=exception_handlers,
        openapi_config=None,
        debug=False,
        logging_config=None,
    )
    app.state.worker = worker
    app.state.engine = engine
    app.state.health_timeout = settings.health_timeout
    return app


class _Listener(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The worker handles SIGTERM/SIGINT itself and stops this listener last; uvicorn's own
        # handlers would replace the worker's and swallow the signal.
        yield


class WorkerListener:
    """Serves :func:`worker_app` on ``host:port`` inside the worker's event loop."""

    def __init__(self, app: Litestar, host: str, port: int) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off")
        self._server = _Listener(config)
        self._address = (host, port)
        self._task: asyncio.Task[None] | None = None
        self.bound: str | None = None  # "host:port" once listening (the port 0 chose)

    async def start(self) -> None:
        """Binds the port here, so that a port in use is a start-up error naming it (uvicorn would
        log and ``sys.exit`` from inside its task)."""
        try:
            sock = socket.create_server(self._address, reuse_port=False)
        except OSError as exc:
            host, port = self._address
            reason = os.strerror(exc.errno) if exc.errno else "refused"  # strerror repeats the address
            raise StartupError(f"worker: cannot listen on {host}:{port} ({reason}); choose another --port") from exc
        bound_host, bound_port = sock.getsockname()[:2]
        self.bound = f"{bound_host}:{bound_port}"
        # Bound and listening already: a probe arriving before uvicorn accepts waits in the backlog.
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="stadtkern-worker-http")

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


__all__ = ["WorkerListener", "worker_app"]
