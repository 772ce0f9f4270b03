"""Plain helpers of the test kit (no fixtures): the configured test manifest, settings, cities."""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from typing import Any

from core.api.context import TenantInfo
from core.loader import Plan, build_plan
from core.manifest import Manifest, load_manifest
from core.settings import Settings, load_settings

PG_URL = os.environ.get("STADTKERN_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"  # noqa: S105 - tests only

# Set by the pytest plugin from the ini option ``stadtkern_manifest``; module-level so that plain
# helpers (called at import time by some test files) agree with the fixtures.
_configured: dict[str, Path] = {}


def configure_manifest(path: Path) -> None:
    """Make ``path`` the manifest every kit helper and fixture uses (the plugin calls this)."""
    _configured["manifest"] = path
    _test_plan.cache_clear()


def manifest_path() -> Path:
    """The manifest the tests run with; a clear error when none is configured."""
    path = _configured.get("manifest")
    if path is None:
        raise RuntimeError(
            'no Stadtkern test manifest: set `stadtkern_manifest = "tests/manifest.toml"` under '
            "[tool.pytest.ini_options], or pass manifest_path= explicitly"
        )
    return path


def load_test_manifest() -> Manifest:
    """The configured test manifest, parsed."""
    return load_manifest(manifest_path())


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Core settings for tests on ``database_url``: test env, fixed key, no rate limit in the way
    (a test of a limit sets the one it tests)."""
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "secret_key": TEST_SECRET_KEY,
        "rate_limit_per_minute": 100_000,
        "sign_in_per_account": 100_000,
        "sign_in_per_address": 100_000,
        "device_registrations_per_address_hour": 100_000,
        "log_json": False,
    }
    values.update(overrides)
    if "manifest_path" not in values:
        values["manifest_path"] = str(manifest_path())
    return load_settings(**values)


@functools.cache
def _test_plan() -> Plan:
    return build_plan(load_test_manifest())


def configured_plan() -> Plan:
    """The load plan of the configured test manifest (cities, enabled modules, their settings)."""
    return _test_plan()


def tenant_info(slug: str | None = None, **overrides: Any) -> TenantInfo:
    """A city of the test manifest (default: its first) as modules see it, optionally altered."""
    return dataclasses.replace(_test_plan().tenants[slug or first_city()].info, **overrides)


def first_city() -> str:
    """The first city of the test manifest: the helpers' default when a test names none."""
    return next(iter(_test_plan().tenants))
