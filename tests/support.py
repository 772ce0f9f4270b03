"""Plain helpers for tests (no fixtures): the test manifest and settings for a database URL."""

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

HERE = Path(__file__).parent
TEST_MANIFEST = HERE / "manifest.toml"
PG_URL = os.environ.get("STADTKERN_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"


def load_test_manifest() -> Manifest:
    return load_manifest(TEST_MANIFEST)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "manifest_path": str(TEST_MANIFEST),
        "secret_key": TEST_SECRET_KEY,
        "rate_limit_per_minute": 100_000,
        "log_json": False,
    }
    values.update(overrides)
    return load_settings(**values)


@functools.cache
def _test_plan() -> Plan:
    return build_plan(load_test_manifest())


def tenant_info(slug: str = "dortmund", **overrides: Any) -> TenantInfo:
    """A city of the test manifest as modules see it (with its push topics), optionally altered."""
    return dataclasses.replace(_test_plan().tenants[slug].info, **overrides)
