"""What operators see of the parking imports on /metrics: each pull's result and its records'
counts, by source and city."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from parking_testkit import counts, feed_server, job_context, sample
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_parking.jobs import poll_sources
from stadtkern_parking.settings import ParkingSettings, SourceConfig

from core.testing import increase, scrape

RUNS = "stadtkern_import_runs_total"
RECORDS = "stadtkern_import_records_total"


def _run(source: str, result: str) -> dict[str, str]:
    return {"module": "parking", "tenant": "dortmund", "source": source, "result": result}


def _records(source: str, outcome: str) -> dict[str, str]:
    return {"module": "parking", "tenant": "dortmund", "source": source, "outcome": outcome}


async def test_each_pull_counts_its_result_and_records(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    with feed_server() as feeds:
        aachen = SourceConfig(
            id="aachen",
            type="datex2",
            static_url=feeds.put("/aachen/static.xml", sample("datex2/aachen-static.xml")),
            url=feeds.put("/aachen/realtime.xml", sample("datex2/aachen-realtime.xml")),
            timeout_seconds=3,
        )
        down = SourceConfig(id="down", type="datex2", url=feeds.put("/down.xml", b"", status=503), timeout_seconds=3)
        gone = SourceConfig(id="gone", type="datex2", url="http://127.0.0.1:9/x.xml", timeout_seconds=3)
        before = await scrape(client)
        runs = await poll_sources(job_context(sessions, ParkingSettings(sources=[aachen, down, gone])))
        after = await scrape(client)
    static, realtime = runs[0], runs[1]
    assert counts(static) == (15, 2, 0) and counts(realtime) == (17, 0, 0)
    assert increase(before, after, RUNS, **_run("aachen", "ok")) == 2  # the table and the live part
    assert increase(before, after, RECORDS, **_records("aachen", "accepted")) == 15 + 17
    assert increase(before, after, RECORDS, **_records("aachen", "repaired")) == 2
    assert increase(before, after, RECORDS, **_records("aachen", "rejected")) == 0
    for failing in ("down", "gone"):  # HTTP 503, and nothing listening
        assert increase(before, after, RUNS, **_run(failing, "failed")) == 1, failing
        assert increase(before, after, RUNS, **_run(failing, "ok")) == 0, failing
