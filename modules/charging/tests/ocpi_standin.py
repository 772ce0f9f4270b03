"""A local stand-in for an operator's OCPI 2.2.1 Locations endpoint (CPO/Sender side).

It speaks the spec (envelope, offset/limit paging with ``Link``, ``X-Total-Count``, ``X-Limit``,
``date_from``/``date_to``, ``Authorization: Token <base64>``) and can be told to behave like the
operators that do not: ``mode`` "bare" (no envelope), "string_status", "cursor" (next/items),
"no_link" (only X-Total-Count), "ocpi3" (a 3.0 answer), "error" (status_code 3001)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

DATA = Path(__file__).parent / "data"
SAMPLES = (
    "location_example.json",
    "location_example_parking_garage_opening_hours.json",
    "location_example_uc2_destination_charger.json",
    "location_example_uc3_destination_charger_not_published.json",
    "location_example_uc4_limited_visibility.json",
    "location_example_uc5_home_charge_point.json",
)


def sample(name: str) -> Any:
    """One of the copied spec examples, parsed."""
    return json.loads((DATA / "ocpi" / name).read_text())


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class OcpiStandIn:
    """What the server serves and what it was asked."""

    def __init__(self) -> None:
        self.locations: list[dict[str, Any]] = [sample(n) for n in SAMPLES]
        self.token = "standin-token-4711"
        self.mode = "envelope"
        self.max_limit = 2
        self.requests: list[dict[str, Any]] = []
        self.base = ""

    @property
    def url(self) -> str:
        """The Locations endpoint."""
        return f"{self.base}/ocpi/cpo/2.2.1/locations"

    def page(self, query: dict[str, str]) -> tuple[list[dict[str, Any]], int, int, int]:
        """The filtered list's slice: (items, offset, limit, total)."""
        items = self.locations
        if "date_from" in query:
            items = [x for x in items if _moment(x["last_updated"]) > _moment(query["date_from"])]
        if "date_to" in query:
            items = [x for x in items if _moment(x["last_updated"]) <= _moment(query["date_to"])]
        offset = int(query.get("offset", "0"))
        limit = min(int(query.get("limit", str(self.max_limit))), self.max_limit)
        return items[offset : offset + limit], offset, limit, len(items)


def _handler(standin: OcpiStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            auth = self.headers.get("Authorization", "")
            standin.requests.append({"path": parts.path, "query": query, "authorization": auth})
            expected = "Token " + base64.b64encode(standin.token.encode()).decode()
            if auth != expected:
                self._send(401, {"status_code": 2001, "status_message": "Invalid or missing token"})
                return
            items, offset, limit, total = standin.page(query)
            more = offset + len(items) < total
            following = {**query, "offset": str(offset + len(items)), "limit": str(limit)}
            next_url = f"{standin.url}?{urlencode(following)}"
            headers = {"X-Total-Count": str(total), "X-Limit": str(standin.max_limit)}
            if more and standin.mode not in ("no_link", "cursor"):
                headers["Link"] = f'<{next_url}>; rel="next"'
            now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            envelope: Any = {"data": items, "status_code": 1000, "status_message": "Success", "timestamp": now}
            if standin.mode == "bare":
                envelope = items
            elif standin.mode == "string_status":
                envelope["status_code"] = "1000"
            elif standin.mode == "cursor":
                envelope = {"items": items, "next": next_url if more else None}
            elif standin.mode == "ocpi3":
                envelope = {**envelope, "version": "3.0"}
                headers["OCPI-Version"] = "3.0"
            elif standin.mode == "error":
                envelope = {"status_code": 3001, "status_message": "Unable to use the client's API", "timestamp": now}
            self._send(200, envelope, headers)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve() -> Iterator[OcpiStandIn]:
    """Run the stand-in on a free loopback port for the duration of the block."""
    standin = OcpiStandIn()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(standin))
    standin.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        httpd.shutdown()
        httpd.server_close()
