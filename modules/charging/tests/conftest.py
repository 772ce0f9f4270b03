"""Fixtures of the charging tests come from the root conftest.py and the test kit; the stand-ins from here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ocpi_standin import OcpiStandIn, serve


@pytest.fixture
def ocpi_server() -> Iterator[OcpiStandIn]:
    """A local HTTP server speaking OCPI 2.2.1 Locations (Sender side), serving the spec's examples."""
    with serve() as standin:
        yield standin
