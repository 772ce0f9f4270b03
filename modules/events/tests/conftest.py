"""A local HTTP server serving calendar files, as a city's web server does (no mocks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from feed_files import FeedHost

from core.testing import file_server


@pytest.fixture
def feed_host() -> Iterator[FeedHost]:
    with file_server(default_type="text/calendar; charset=utf-8") as server:
        yield FeedHost(server)
