"""Liveness and readiness for the load balancer and the orchestrator."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import msgspec
from litestar import Request, Response, get
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.http.problems import problem
from core.migrate import pending
from core.settings import Settings

T = TypeVar("T")


class Health(msgspec.Struct):
    status: Literal["ok"]  # anything else is a 503 problem
    checks: dict[str, str]


@get("/health/live", summary="The process is up")
async def live() -> Health:
    return Health(status="ok", checks={})


async def timed_probe(check: Callable[[], Awaitable[T]], seconds: float) -> T | Response[Any]:
    """``check()``'s result, or a 503 problem when the database fails or does not answer within
    ``seconds``.

    A hung database must make the probe fail, not hang it: the orchestrator's own timeout would
    count a hang as a failure too, but only after holding a connection for it. The API's
    readiness and the worker's (core.worker_http) both probe through this."""
    try:
        return await asyncio.wait_for(check(), timeout=seconds)
    except TimeoutError:
        return problem(503, f"database did not answer within {seconds:g} s")
    except (SQLAlchemyError, OSError):
        return problem(503, "database unreachable")


async def select_one(engine: AsyncEngine) -> None:
    """The cheapest question the database must answer."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


@get("/health/ready", summary="Database reachable and schema current")
async def ready(request: Request[Any, Any, Any]) -> Response[Any]:
    engine = request.app.state.engine
    settings: Settings = request.app.state.settings

    async def check() -> list[str]:
        await select_one(engine)
        return await pending(engine, request.app.state.plan)

    behind = await timed_probe(check, settings.health_timeout)
    if isinstance(behind, Response):
        return behind
    if behind:
        return problem(503, f"migrations pending for: {', '.join(behind)}")
    return Response(Health(status="ok", checks={"database": "ok", "migrations": "current"}))
