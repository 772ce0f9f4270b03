"""Start-up refusals and the request-id/rate-limit guarantees that sit outside route middleware."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.errors import StartupError
from core.testing import load_test_manifest, make_settings


async def test_api_refuses_to_start_on_a_schema_that_is_behind(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path}/empty.db"), load_test_manifest())
    with pytest.raises(BaseException) as failure:  # anyio wraps it in an ExceptionGroup
        async with AsyncTestClient(app=app):
            pass
    assert failure.group_contains(
        StartupError,
        match=r"schema is behind for core, push, waste, participation, events, projektor, ideas, parking, charging; "
        r"run `stadtkern migrate`",
    )


async def test_dev_mode_migrates_itself(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/dev.db", env="dev")
    app = create_app(settings, load_test_manifest())
    async with AsyncTestClient(app=app) as client:
        ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text


def test_production_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STADTKERN_SECRET_KEY", raising=False)
    monkeypatch.setenv("STADTKERN_ENV", "production")
    from core.settings import load_settings

    with pytest.raises(StartupError, match="STADTKERN_SECRET_KEY is not set"):
        load_settings()


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("dev-only-not-secret-stadtkern-embedded-default", "published development key"),  # the Makefile's
        ("dev-only-not-secret-stadtkern-embedded-default-2", "published development key"),
        ("short-but-random-Q7x", "too short"),
        ("a" * 64, "too weak"),
        ("hunter2hunter2hunter2hunter2hunter2", "too weak"),
    ],
)
def test_production_refuses_a_published_or_weak_key(key: str, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STADTKERN_ENV", "production")
    monkeypatch.setenv("STADTKERN_SECRET_KEY", key)
    from core.settings import load_settings

    with pytest.raises(StartupError, match=f"STADTKERN_SECRET_KEY is (the )?{why}"):
        load_settings()
    monkeypatch.setenv("STADTKERN_SECRET_KEY", "kq3V9r-LmZ2xT8wYb1NcF5hJ0sDgPeA7uRiO4nWt")
    assert load_settings().env == "production"  # a generated key passes


async def test_unknown_path_is_a_problem_with_request_id(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/v2/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["x-request-id"] == response.json()["request_id"]


async def test_garbage_credentials_still_count_against_the_rate_limit(
    app_factory: Callable[..., Litestar],
) -> None:
    app = app_factory(rate_limit_per_minute=2)
    async with AsyncTestClient(app=app) as client:
        statuses = [
            (await client.get("/v1/dortmund/devices/me", headers={"Authorization": "Bearer junk"})).status_code
            for _ in range(4)
        ]
    assert statuses == [401, 401, 429, 429]
