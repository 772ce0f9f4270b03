"""Pulling a feed: streamed to a spooled file (large tables never sit in memory whole), size-capped."""

from __future__ import annotations

import tempfile
from typing import IO

import httpx

MAX_FEED_BYTES = 64 * 1024 * 1024
IN_MEMORY_BYTES = 2 * 1024 * 1024
USER_AGENT = "Stadtkern-Parking/0.1 (+https://github.com/stadtkern)"


class FeedError(Exception):
    """The feed could not be fetched (unreachable, an HTTP error, too large)."""


async def fetch(url: str, seconds: float, accept: str) -> IO[bytes]:
    """The response body as a file positioned at its start; the caller closes it."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - returned open
    try:
        async with (
            httpx.AsyncClient(timeout=seconds, follow_redirects=True) as client,
            client.stream("GET", url, headers={"Accept": accept, "User-Agent": USER_AGENT}) as response,
        ):
            if response.status_code != 200:
                raise FeedError(f"HTTP {response.status_code}")
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_FEED_BYTES:
                    raise FeedError(f"larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
                spool.write(chunk)
    except httpx.HTTPError as exc:
        spool.close()
        raise FeedError(f"unreachable: {type(exc).__name__}") from None
    except FeedError:
        spool.close()
        raise
    spool.seek(0)
    return spool
