"""Calendar samples of ``feeds/`` and the local HTTP server that serves them (``conftest.feed_host``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from events_testkit import BERLIN

from core.testing import FileServer

FEEDS = Path(__file__).parent / "feeds"


def sample(name: str, encoding: str = "utf-8") -> bytes:
    """A sample of ``feeds/`` with ``{D<n>}`` as the date n days from today, CRLF line ends."""
    today = dt.datetime.now(BERLIN).date()
    text = re.sub(
        r"\{D(\d+)\}",
        lambda m: (today + dt.timedelta(days=int(m.group(1)))).strftime("%Y%m%d"),
        (FEEDS / name).read_text(encoding="utf-8"),
    )
    return text.replace("\n", "\r\n").encode(encoding)


class FeedHost:
    """The calendar files a test serves (``conftest.feed_host``), on core.testing's file server."""

    def __init__(self, server: FileServer) -> None:
        self.server = server

    @property
    def base(self) -> str:
        return self.server.base

    def serve(self, path: str, body: bytes, content_type: str = "text/calendar; charset=utf-8") -> str:
        """Serves ``body`` at ``path``; returns its URL."""
        return self.server.put(path, body, content_type=content_type)
