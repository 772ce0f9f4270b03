"""The root of the core's and our modules' test suites: every fixture comes from the test kit.

``core.testing.plugin`` (entry point ``pytest11: stadtkern``, loaded wherever stadtkern is
installed) provides ``database``, ``app``, ``client``, ``sessions``… on SQLite and PostgreSQL,
for the manifest named by ``stadtkern_manifest`` in pyproject.toml (tests/manifest.toml).
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Fail with the fix, not with 'fixture not found', when stadtkern predates its plugin."""
    if not config.pluginmanager.has_plugin("stadtkern"):
        raise pytest.UsageError("the stadtkern pytest plugin is not loaded: reinstall with `make install`")
