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


@pytest.fixture
def file_server() -> Iterator[str]:
    """A local HTTP server serving the copied sample files under tests/data (as a feed host would)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    from pathlib import Path

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(Path(__file__).parent / "data"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
