"""Liveness and readiness for the load balancer and the orchestrator."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import msgspec
from litestar import Request, Response, get
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.http.problems import problem
from core.migrate import pending
from core.settings import Settings


class Health(msgspec.Struct):
    status: Literal["ok"]  # anything else is a 503 problem
    checks: dict[str, str]


@get("/health/live", summary="The process is up")
async def live() -> Health:
    return Health(status="ok", checks={})


@get("/health/ready", summary="Database reachable and schema current")
async def ready(request: Request[Any, Any, Any]) -> Response[Any]:
    engine = request.app.state.engine
    settings: Settings = request.app.state.settings

    async def check() -> list[str]:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return await pending(engine, request.app.state.plan)

    try:
        # A hung database must make the probe fail, not hang it: the orchestrator's own timeout
        # would count a hang as a failure too, but only after holding a connection for it.
        behind = await asyncio.wait_for(check(), timeout=settings.health_timeout)
    except TimeoutError:
        return problem(503, f"database did not answer within {settings.health_timeout:g} s")
    except (SQLAlchemyError, OSError):
        return problem(503, "database unreachable")
    if behind:
        return problem(503, f"migrations pending for: {', '.join(behind)}")
    return Response(Health(status="ok", checks={"database": "ok", "migrations": "current"}))
