"""A sick database is an outage, not a bug: bounded waits, 503 with Retry-After, a probe that
answers. Figures come from bench/faults.py; these tests pin the behaviour."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import Timeouts, create_engine
from core.http.outages import is_transient

DEVICE = {"platform": "ios", "locale": "de", "app_version": "1.0.0"}


def _hold_a_connection(client: AsyncTestClient[Litestar], app: Litestar) -> Callable[[], None]:
    """Check out a pooled connection in the app's own event loop (the test client's portal) and
    keep it; returns the function that gives it back."""
    portal = client.blocking_portal

    async def checkout() -> AsyncConnection:
        connection = app.state.engine.connect()
        await connection.start()
        await connection.execute(text("SELECT 1"))
        return connection

    held = portal.call(checkout)
    return lambda: portal.call(held.close)


async def test_no_free_connection_is_a_quick_503_with_retry_after(app_factory: Callable[..., Litestar]) -> None:
    app = app_factory(db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.3)
    async with AsyncTestClient(app=app) as client:
        give_back = _hold_a_connection(client, app)  # every connection of the pool is busy
        started = time.monotonic()
        response = await client.post("/v1/dortmund/devices", json=DEVICE)
        waited = time.monotonic() - started
        give_back()
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["retry-after"] == "5"
        assert waited < 2.0
        # the pool is free again: the same request succeeds
        assert (await client.post("/v1/dortmund/devices", json=DEVICE)).status_code == 201


async def test_readiness_answers_within_its_timeout(app_factory: Callable[..., Litestar]) -> None:
    app = app_factory(db_pool_size=1, db_max_overflow=0, db_pool_timeout=10, health_timeout=0.3)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/health/ready")).status_code == 200
        give_back = _hold_a_connection(client, app)
        started = time.monotonic()
        response = await client.get("/health/ready")
        waited = time.monotonic() - started
        give_back()
    assert response.status_code == 503 and "did not answer within 0.3 s" in response.json()["detail"]
    assert waited < 2.0


async def test_a_statement_past_its_timeout_is_cancelled_as_transient(database: str) -> None:
    if database.startswith("sqlite"):
        pytest.skip("statement_timeout is PostgreSQL's")
    engine = create_engine(database, timeouts=Timeouts(statement=0.3))
    started = time.monotonic()
    try:
        with pytest.raises(DBAPIError) as raised:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_sleep(5)"))
    finally:
        await engine.dispose()
    assert time.monotonic() - started < 3
    assert is_transient(raised.value)


def test_a_bug_is_not_mistaken_for_an_outage() -> None:
    bug = OperationalError("SELECT * FROM nowhere", {}, Exception("no such table: nowhere"))
    locked = OperationalError("INSERT ...", {}, Exception("database is locked"))
    assert not is_transient(bug)
    assert is_transient(locked)
    assert is_transient(ConnectionRefusedError(111, "Connection refused"))
