"""Calendar samples of ``feeds/`` and the local HTTP server that serves them (``conftest.feed_host``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from events_testkit import BERLIN

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


@dataclass
class FeedHost:
    base: str
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def serve(self, path: str, body: bytes, content_type: str = "text/calendar; charset=utf-8") -> str:
        self.files[path] = (body, content_type)
        return self.base + path
