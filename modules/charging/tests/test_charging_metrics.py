"""What operators see of the charging imports on /metrics: each source run's result and its
records' counts (accepted, repaired, rejected, outside the area), by source and city."""

from __future__ import annotations

import pytest
from charging_kit import job_context
from litestar import Litestar
from litestar.testing import AsyncTestClient
from ocpi_standin import OcpiStandIn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.jobs import run_due_sources
from stadtkern_charging.settings import Area, ChargingSettings, Source

from core.testing import increase, scrape

TOKEN_ENV = "CHARGING_TEST_OCPI_TOKEN"
RUNS = "stadtkern_import_runs_total"
RECORDS = "stadtkern_import_records_total"
GHENT = Area(bbox=[51.0, 3.6, 51.1, 3.8])


def _run(source: str, result: str) -> dict[str, str]:
    return {"module": "charging", "tenant": "dortmund", "source": source, "result": result}


def _records(source: str, outcome: str) -> dict[str, str]:
    return {"module": "charging", "tenant": "dortmund", "source": source, "outcome": outcome}


def _ocpi(server: OcpiStandIn, source_id: str, area: Area | None = None) -> ChargingSettings:
    source = Source(id=source_id, type="ocpi", url=server.url, token_env=TOKEN_ENV, page_limit=2)
    return ChargingSettings(area=area, sources=[source])


async def test_each_source_run_counts_its_result_and_records(
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    ocpi_server: OcpiStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, ocpi_server.token)
    del ocpi_server.locations[1]["coordinates"]  # rejected
    ocpi_server.locations[4]["country"] = "Netherlands"  # repaired (read as NLD)
    before = await scrape(client)
    run = (await run_due_sources(job_context(sessions, _ocpi(ocpi_server, "standin"))))["standin"]
    cropped = (await run_due_sources(job_context(sessions, _ocpi(ocpi_server, "ghent", GHENT))))["ghent"]
    after = await scrape(client)
    assert (run.ok, run.accepted, run.repaired, run.rejected, run.outside) == (True, 5, 1, 1, 0)
    assert (cropped.accepted, cropped.rejected, cropped.outside) == (1, 1, 4)
    assert increase(before, after, RUNS, **_run("standin", "ok")) == 1
    assert increase(before, after, RECORDS, **_records("standin", "accepted")) == 5
    assert increase(before, after, RECORDS, **_records("standin", "repaired")) == 1
    assert increase(before, after, RECORDS, **_records("standin", "rejected")) == 1
    assert increase(before, after, RECORDS, **_records("standin", "outside")) == 0
    assert increase(before, after, RUNS, **_run("ghent", "ok")) == 1
    assert increase(before, after, RECORDS, **_records("ghent", "outside")) == 4


async def test_a_failing_source_counts_as_failed(
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    ocpi_server: OcpiStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, ocpi_server.token)
    ocpi_server.mode = "error"  # the operator answers OCPI status_code 3001
    register = Source(id="bna", type="bnetza", url="http://127.0.0.1:9/register.csv")  # nothing listening
    settings = ChargingSettings(sources=[*_ocpi(ocpi_server, "standin").sources, register])
    before = await scrape(client)
    runs = await run_due_sources(job_context(sessions, settings))
    after = await scrape(client)
    assert not runs["standin"].ok and not runs["bna"].ok
    for source in ("standin", "bna"):
        assert increase(before, after, RUNS, **_run(source, "failed")) == 1, source
        assert increase(before, after, RUNS, **_run(source, "ok")) == 0, source
        assert increase(before, after, RECORDS, **_records(source, "accepted")) == 0, source
