"""A local HTTP server serving calendar files, as a city's web server does (no mocks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from feed_files import FeedHost


@pytest.fixture
def feed_host() -> Iterator[FeedHost]:
    host = FeedHost(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = host.files.get(self.path)
            if found is None:
                self.send_response(404)
                self.end_headers()
                return
            body, content_type = found
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        httpd.shutdown()
        httpd.server_close()
