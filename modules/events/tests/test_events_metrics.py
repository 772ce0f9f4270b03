"""What operators see of the events module on /metrics: each feed import's result and records, and
the list cache's hits and misses, per city."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

from events_testkit import job_context
from feed_files import FeedHost, sample
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.cache import Page, PageCache
from stadtkern_events.jobs import import_feeds
from stadtkern_events.settings import EventsSettings, FeedConfig

from core.api import utcnow
from core.testing import increase, scrape, staff_headers

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"
RUNS = "stadtkern_import_runs_total"
RECORDS = "stadtkern_import_records_total"
LOOKUPS = "stadtkern_cache_lookups_total"
EMPTY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kulturbuero Dortmund//DE\r\nEND:VCALENDAR\r\n"


def _run(source: str, result: str, tenant: str = "dortmund") -> dict[str, str]:
    return {"module": "events", "tenant": tenant, "source": source, "result": result}


def _records(source: str, outcome: str) -> dict[str, str]:
    return {"module": "events", "tenant": "dortmund", "source": source, "outcome": outcome}


def _misses_and_hits(before: str, after: str, tenant: str = "dortmund") -> tuple[float, float]:
    labels = {"module": "events", "cache": "list_pages", "tenant": tenant}
    return (
        increase(before, after, LOOKUPS, **labels, result="miss"),
        increase(before, after, LOOKUPS, **labels, result="hit"),
    )


async def test_scheduled_feed_imports_count_their_result_and_records(
    client: Client, sessions: async_sessionmaker[AsyncSession], feed_host: FeedHost
) -> None:
    url = feed_host.serve("/kultur.ics", sample("kultur.ics"))
    feed_host.server.put("/boom.ics", b"", status=500)  # the city's web server fails
    settings = EventsSettings(
        feeds=[
            FeedConfig(id="kultur", url=url, categories=["concert"]),
            FeedConfig(id="broken", url=f"{feed_host.base}/boom.ics"),
            FeedConfig(id="unreachable", url="http://127.0.0.1:9/nothing.ics"),
        ],
        feed_timeout_seconds=3,
    )
    ctx = job_context(sessions, settings, job_id="feeds")

    before = await scrape(client)
    await import_feeds(ctx)
    after = await scrape(client)
    assert increase(before, after, RUNS, **_run("kultur", "ok")) == 1
    assert increase(before, after, RECORDS, **_records("kultur", "created")) == 5
    assert increase(before, after, RECORDS, **_records("kultur", "skipped")) == 1  # the event without DTSTART
    assert increase(before, after, RECORDS, **_records("kultur", "updated")) == 0
    for failing in ("broken", "unreachable"):
        assert increase(before, after, RUNS, **_run(failing, "failed")) == 1, failing
        assert increase(before, after, RUNS, **_run(failing, "ok")) == 0, failing

    await import_feeds(ctx)  # the same feed again: nothing new, everything unchanged
    again = await scrape(client)
    assert increase(after, again, RUNS, **_run("kultur", "ok")) == 1
    assert increase(after, again, RECORDS, **_records("kultur", "unchanged")) == 5
    assert increase(after, again, RECORDS, **_records("kultur", "created")) == 0

    feed_host.serve("/kultur.ics", EMPTY)  # would remove all five: the guard refuses, nothing is removed
    await import_feeds(ctx)
    refused = await scrape(client)
    assert increase(again, refused, RUNS, **_run("kultur", "refused")) == 1
    assert increase(again, refused, RUNS, **_run("kultur", "ok")) == 0
    assert increase(again, refused, RECORDS, **_records("kultur", "removed")) == 0
    assert increase(before, refused, RUNS, **_run("kultur", "ok", tenant="schwerte")) == 0


def _manifest(url: str) -> str:
    return f"""
[tenants.dortmund]
name = "Dortmund"
locales = ["de", "en"]
time_zone = "Europe/Berlin"

[[tenants.dortmund.modules.events.feeds]]
id = "kultur"
url = "{url}"
"""


async def test_an_editors_import_and_uploads_are_counted(
    app_factory: Callable[..., Litestar], sessions: async_sessionmaker[AsyncSession], feed_host: FeedHost
) -> None:
    url = feed_host.serve("/kultur.ics", sample("kultur.ics"))
    async with AsyncTestClient(app=app_factory(_manifest(url))) as client:
        staff = await staff_headers(client, sessions)
        before = await scrape(client)
        assert (await client.post(f"{BASE}/feeds/kultur/import", headers=staff)).status_code == 200
        upload = f"{BASE}/feeds/vhs/upload"
        body = sample("google_vhs.ics")
        uploaded = await client.post(upload, files={"file": ("vhs.ics", body, "text/calendar")}, headers=staff)
        assert uploaded.status_code == 200, uploaded.text
        garbage = {"file": ("x.ics", b"<html>Fehler</html>", "text/calendar")}
        assert (await client.post(upload, files=garbage, headers=staff)).status_code == 422
        after = await scrape(client)
    assert increase(before, after, RUNS, **_run("kultur", "ok")) == 1
    assert increase(before, after, RECORDS, **_records("kultur", "created")) == 5
    assert increase(before, after, RUNS, **_run("vhs", "ok")) == 1  # an upload source is counted by its id
    assert increase(before, after, RECORDS, **_records("vhs", "created")) == 3
    assert increase(before, after, RUNS, **_run("vhs", "failed")) == 1


async def test_two_identical_list_requests_are_a_miss_then_a_hit(client: Client) -> None:
    query = f"{BASE}/occurrences?limit=7&sort=start"
    first = await scrape(client)
    assert (await client.get(query)).status_code == 200
    second = await scrape(client)
    assert (await client.get(query)).status_code == 200
    third = await scrape(client)
    assert _misses_and_hits(first, second) == (1, 0)
    assert _misses_and_hits(second, third) == (0, 1)
    assert _misses_and_hits(first, third, "schwerte") == (0, 0)


async def test_a_page_built_for_a_concurrent_request_counts_as_a_hit(client: Client) -> None:
    # The second request finds the first one's build under way and shares it: it built nothing.
    cache = PageCache(cast(Any, None))  # the version reader is not used here
    gate, builds = asyncio.Event(), []

    async def build() -> Page:
        builds.append(1)
        await gate.wait()
        return Page(b'{"items":[]}', 1, None)

    now = utcnow()
    before = await scrape(client)
    first = asyncio.create_task(cache.page("dortmund", "key", 1, now, build))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.page("dortmund", "key", 1, now, build))
    await asyncio.sleep(0)
    gate.set()
    assert (await first) is (await second) and len(builds) == 1
    after = await scrape(client)
    assert _misses_and_hits(before, after) == (1, 1)
