"""The Stadtkern test kit: fixtures (see ``core.testing.plugin``), helpers and the module contract.

A module's tests import from here only::

    from core.testing import ModuleContract, register_device, staff_headers
"""

from core.testing.actors import STAFF_PASSWORD, register_device, staff_headers
from core.testing.contract import (
    ModuleContract,
    check_isolation,
    check_migrations,
    check_openapi,
    check_write_routes,
)
from core.testing.file_server import FileServer, file_server
from core.testing.jobs import run_jobs
from core.testing.metrics import increase, scrape
from core.testing.routes import Route, plain_reads, routes, write_routes
from core.testing.seeds import run_seed
from core.testing.support import (
    IN_CI,
    PG_URL,
    TEST_SECRET_KEY,
    configure_manifest,
    configured_plan,
    first_city,
    load_test_manifest,
    make_settings,
    manifest_path,
    tenant_info,
)

__all__ = [
    "IN_CI",
    "PG_URL",
    "STAFF_PASSWORD",
    "TEST_SECRET_KEY",
    "FileServer",
    "ModuleContract",
    "Route",
    "check_isolation",
    "check_migrations",
    "check_openapi",
    "check_write_routes",
    "configure_manifest",
    "configured_plan",
    "file_server",
    "first_city",
    "increase",
    "load_test_manifest",
    "make_settings",
    "manifest_path",
    "plain_reads",
    "register_device",
    "routes",
    "run_jobs",
    "run_seed",
    "scrape",
    "staff_headers",
    "tenant_info",
    "write_routes",
]


def __getattr__(name: str) -> object:
    """``TEST_MANIFEST``: the configured manifest's path, resolved when a test module imports it."""
    if name == "TEST_MANIFEST":
        return manifest_path()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
