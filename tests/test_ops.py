"""What operations rely on: health probes, Prometheus metrics, JSON access logs without personal data."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.app import create_app
from core.db import create_unpooled_engine
from core.observability import JsonFormatter
from core.testing import load_test_manifest, make_settings, register_device

SECRET_QUERY = "resident-secret-query-value"


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """The ``stadtkern.access`` records as the production handler writes them (one JSON object a line)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("stadtkern.access")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


# ---------------------------------------------------------------- health


async def test_live_and_ready(client: AsyncTestClient[Litestar]) -> None:
    live = await client.get("/health/live")
    assert live.status_code == 200
    assert live.json()["status"] == "ok"
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "current"}}


@pytest.fixture
def unmigrated_database(database: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``database``: reachable, but no migrations ran."""
    if database.startswith("sqlite"):
        empty = tmp_path / "empty.db"
        empty.touch()
        yield f"sqlite+aiosqlite:///{empty}"
        return
    url = make_url(database)
    name = f"{url.database}_unmigrated"

    async def admin(statement: str) -> None:
        engine = create_unpooled_engine(url.set(database="postgres").render_as_string(hide_password=False))
        try:
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    import asyncio

    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_ready_is_503_when_migrations_are_missing(unmigrated_database: str) -> None:
    # The app refuses to start on such a database; the readiness probe is what a replica answers
    # while someone else's migration is still due. Call it without the lifespan (which would refuse).
    app = create_app(make_settings(unmigrated_database), load_test_manifest(), migrate_on_start=False)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            ready = await client.get("/health/ready")
            live = await client.get("/health/live")
    finally:
        await app.state.engine.dispose()
    assert ready.status_code == 503, ready.text
    assert ready.headers["content-type"].startswith("application/problem+json")
    body = ready.json()
    assert body["status"] == 503
    assert "migrations pending" in body["detail"]
    assert "core" in body["detail"]
    assert live.status_code == 200


async def test_ready_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    app = create_app(make_settings(url), load_test_manifest(), migrate_on_start=False)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            ready = await client.get("/health/ready")
    finally:
        await app.state.engine.dispose()
    assert ready.status_code == 503
    assert ready.json()["detail"] == "database unreachable"
    assert ready.headers["content-type"].startswith("application/problem+json")


# ---------------------------------------------------------------- metrics


def _count(metrics: str, path: str, status: str, **more: str) -> float:
    """The sum of ``stadtkern_requests_total`` over the series of one GET route template and status
    (and the ``more`` labels, e.g. ``tenant``)."""
    total = 0.0
    for line in metrics.splitlines():
        if not line.startswith("stadtkern_requests_total{"):
            continue
        labels_part, _, value = line.rpartition("} ")
        labels = dict(re.findall(r'(\w+)="([^"]*)"', labels_part))
        wanted = {"app_name": "stadtkern", "method": "GET", "path": path, "status_code": status, **more}
        if all(labels.get(k) == v for k, v in wanted.items()):
            total += float(value)
    return total


async def test_metrics_count_requests_by_route_template_and_city(client: AsyncTestClient[Litestar]) -> None:
    before = (await client.get("/metrics")).text
    await client.get("/v1/dortmund/app-config")
    await client.get("/v1/schwerte/app-config")
    await client.get("/v1/atlantis/app-config")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE stadtkern_requests_total counter" in response.text
    # grouped by template, the city a label of its own
    template = "/v1/{tenant}/app-config"
    assert _count(response.text, template, "200") - _count(before, template, "200") == 2
    for city in ("dortmund", "schwerte"):
        assert _count(response.text, template, "200", tenant=city) - _count(before, template, "200", tenant=city) == 1
    # a slug outside the manifest is "other": a client cannot mint series
    assert _count(response.text, template, "404", tenant="other") - _count(before, template, "404", tenant="other") == 1
    assert 'tenant="atlantis"' not in response.text
    assert "/v1/dortmund/app-config" not in response.text
    assert "stadtkern_request_duration_seconds_bucket" in response.text
    # the probes themselves are not measured
    assert 'path="/metrics"' not in response.text


async def test_metrics_count_a_not_modified_as_304(client: AsyncTestClient[Litestar]) -> None:
    # The ETag layer answers 304 after the handler said 200: the metrics must see what was sent.
    first = await client.get("/v1/dortmund/app-config")
    before = (await client.get("/metrics")).text
    again = await client.get("/v1/dortmund/app-config", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    after = (await client.get("/metrics")).text
    template = "/v1/{tenant}/app-config"
    assert _count(after, template, "304", tenant="dortmund") - _count(before, template, "304", tenant="dortmund") == 1
    assert _count(after, template, "200", tenant="dortmund") == _count(before, template, "200", tenant="dortmund")


# ---------------------------------------------------------------- access log and request id


async def test_access_log_is_json_without_personal_data(
    client: AsyncTestClient[Litestar], access_log: io.StringIO
) -> None:
    _, device = await register_device(client)
    token = device["Authorization"].removeprefix("Bearer ")
    response = await client.get(
        f"/v1/dortmund/devices/me?utm={SECRET_QUERY}",
        headers={**device, "X-Forwarded-For": "203.0.113.7", "X-Request-ID": "trace-0001-abcd"},
    )
    assert response.status_code == 200
    assert (await client.get("/v1/atlantis/app-config")).status_code == 404

    entries = records(access_log)
    assert len(entries) == 3
    for entry in entries:
        assert entry["logger"] == "stadtkern.access"
        assert {"request_id", "method", "route", "status", "ms", "ts", "level"} <= set(entry)
        assert isinstance(entry["ms"], int | float) and entry["ms"] >= 0
    register, read, unknown = entries
    assert (register["method"], register["route"], register["status"]) == ("POST", "/v1/{tenant}/devices", 201)
    assert (read["method"], read["route"], read["status"]) == ("GET", "/v1/{tenant}/devices/me", 200)
    assert read["request_id"] == "trace-0001-abcd"
    assert (unknown["route"], unknown["status"]) == ("/v1/{tenant}/app-config", 404)

    raw = access_log.getvalue()
    assert token not in raw
    assert "Bearer" not in raw
    assert SECRET_QUERY not in raw and "utm" not in raw and "?" not in raw
    assert "dortmund" not in raw and "atlantis" not in raw  # the template, never the concrete path
    assert not re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", raw), raw  # no IPv4 address
    assert "testclient" not in raw  # the client "host" of the test client


async def test_rejected_requests_are_logged_with_their_real_status(
    app_factory: Callable[..., Litestar], access_log: io.StringIO
) -> None:
    async with AsyncTestClient(app=app_factory(rate_limit_per_minute=1)) as client:
        assert (await client.get("/v1/dortmund/app-config")).status_code == 200
        limited = await client.get("/v1/dortmund/app-config")
        assert limited.status_code == 429
    statuses = [e["status"] for e in records(access_log)]
    assert statuses == [200, 429]
    assert records(access_log)[1]["request_id"] == limited.headers["x-request-id"]


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [
        ("0f3c2a9e-1b7d-4c55-8f0e-0123456789ab", True),
        ("trace.ABC_123-x", True),
        ("short", False),
        ("has spaces in it", False),
        ("x" * 65, False),
        ("<script>alert(1)</script>", False),
        ("", False),
    ],
)
async def test_request_id_echoed_when_well_formed(
    client: AsyncTestClient[Litestar], access_log: io.StringIO, sent: str, echoed: bool
) -> None:
    response = await client.get("/v1/dortmund/app-config", headers={"X-Request-ID": sent})
    returned = response.headers["x-request-id"]
    if echoed:
        assert returned == sent
    else:
        assert returned != sent
        assert re.fullmatch(r"[0-9a-f]{16}", returned)
    assert records(access_log)[-1]["request_id"] == returned
    # errors carry the same id in the body, for support tickets
    error = await client.get("/v1/atlantis/app-config", headers={"X-Request-ID": sent})
    assert error.json()["request_id"] == error.headers["x-request-id"]


async def test_each_request_gets_its_own_id(client: AsyncTestClient[Litestar]) -> None:
    ids = {(await client.get("/health/live")).headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_json_formatter_keeps_extra_fields_and_request_id() -> None:
    record = logging.makeLogRecord(
        {"name": "stadtkern.test", "levelno": logging.WARNING, "levelname": "WARNING", "msg": "hello %s"}
    )
    record.args = ("world",)
    record.route = "/v1/{tenant}/x"
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["msg"] == "hello world"
    assert entry["level"] == "warning"
    assert entry["route"] == "/v1/{tenant}/x"
    assert entry["ts"].endswith("Z")
