"""A local HTTP server that answers with whatever a test put at a path: a city's web server or a
data portal as the real fetching code meets it (sockets, status, headers), not a mock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FileServer:
    """Files by path (``put``), 404 for any other; ``hits`` counts the requests per path."""

    def __init__(self, default_type: str = "application/octet-stream") -> None:
        self.files: dict[str, tuple[int, str, bytes]] = {}
        self.hits: dict[str, int] = {}
        self.base = ""
        self.default_type = default_type

    def put(self, path: str, body: bytes, status: int = 200, content_type: str | None = None) -> str:
        """Serves ``body`` at ``path`` with ``status``; returns its URL."""
        self.files[path] = (status, content_type or self.default_type, body)
        return self.base + path


@contextmanager
def file_server(default_type: str = "application/octet-stream") -> Iterator[FileServer]:
    """A running :class:`FileServer` on a free port of 127.0.0.1, stopped on exit."""
    server = FileServer(default_type)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.hits[self.path] = server.hits.get(self.path, 0) + 1
            status, content_type, body = server.files.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:  # quiet test output
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
