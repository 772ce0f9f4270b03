"""The OCPI pull client and its job against a local OCPI 2.2.1 stand-in serving the spec's examples."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from charging_kit import evse_by_uid, job_context, locations
from ocpi_standin import OcpiStandIn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.jobs import run_due_sources
from stadtkern_charging.models import ImportRun, Location, StatusChange
from stadtkern_charging.settings import Area, ChargingSettings, Source

from core.api.tenancy import sessions_for_city

TOKEN_ENV = "CHARGING_TEST_OCPI_TOKEN"


def settings_for(
    server: OcpiStandIn, area: Area | None = None, source_id: str = "standin", **source: Any
) -> ChargingSettings:
    options = {"page_limit": 2, **source}
    return ChargingSettings(
        area=area, sources=[Source(id=source_id, type="ocpi", url=server.url, token_env=TOKEN_ENV, **options)]
    )


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch, ocpi_server: OcpiStandIn) -> None:
    monkeypatch.setenv(TOKEN_ENV, ocpi_server.token)


async def _pull(sessions: async_sessionmaker[AsyncSession], settings: ChargingSettings) -> ImportRun:
    runs = await run_due_sources(job_context(sessions, settings))
    return runs["standin"]


async def test_a_full_pull_walks_every_page_with_the_token(
    database: str, sessions: async_sessionmaker[AsyncSession], ocpi_server: OcpiStandIn
) -> None:
    run = await _pull(sessions, settings_for(ocpi_server))
    assert (run.ok, run.error, run.accepted, run.repaired, run.rejected) == (True, None, 6, 0, 0)
    assert [r["query"].get("offset") for r in ocpi_server.requests] == ["0", "2", "4"]
    token = base64.b64encode(ocpi_server.token.encode()).decode()
    assert {r["authorization"] for r in ocpi_server.requests} == {f"Token {token}"}
    assert "date_from" not in ocpi_server.requests[0]["query"]
    rows = await locations(sessions)
    gent = rows["BE*BEC*LOC1"]
    assert (gent.source, gent.name, gent.lat, gent.operator_key) == ("standin", "Gent Zuid", 51.047599, "becharged")
    assert gent.raw["evses"][0]["uid"] == "3256" and gent.warnings == []
    assert [(e.uid, e.status, len(e.connectors)) for e in gent.evses] == [
        ("3256", "AVAILABLE", 2),
        ("3257", "RESERVED", 1),
    ]
    assert gent.evses[0].live and gent.evses[0].status_reported_at is not None
    assert rows["NL*ALL*f76c2e0c-a6ef-4f67-bf23-6a187e5ca0e0"].publish is False
    # the spec's uc2 and uc3 examples share one id: the later one (not published) replaced the first
    assert len(rows) == 5 and rows["NL*ALF*3e7b39c2-10d0-4138-a8b3-8509a25f9920"].publish is False
    # the other city has nothing
    assert await locations(sessions, "schwerte") == {}


async def test_the_next_pull_is_incremental_and_writes_status_history(
    database: str, sessions: async_sessionmaker[AsyncSession], ocpi_server: OcpiStandIn
) -> None:
    settings = settings_for(ocpi_server, every_seconds=60)
    await _pull(sessions, settings)
    gent = ocpi_server.locations[0]
    gent["evses"][0]["status"] = "CHARGING"
    gent["evses"][0]["last_updated"] = gent["last_updated"] = "2099-01-01T00:00:00Z"
    ocpi_server.requests.clear()
    async with sessions() as session, session.begin():  # the last run is old enough to be due again
        for run in (await session.scalars(select(ImportRun))).all():
            run.started_at = run.started_at.replace(year=2020)
    run = await _pull(sessions, settings)
    assert run.ok and run.accepted == 1
    assert "date_from" in ocpi_server.requests[0]["query"]
    evse = await evse_by_uid(sessions, "3256")
    assert evse.status == "CHARGING"
    async with sessions_for_city(sessions, "dortmund")() as session:
        history = (await session.scalars(select(StatusChange).where(StatusChange.evse_id == evse.id))).all()
    assert [(h.previous, h.status) for h in sorted(history, key=lambda h: h.at)] == [
        (None, "AVAILABLE"),
        ("AVAILABLE", "CHARGING"),
    ]


QUIRKS = {
    "bare": "no OCPI response envelope: a bare array",
    "string_status": "status_code sent as a string",
    "cursor": "cursor-style paging (next/items)",
    "no_link": None,
}


async def test_what_real_operators_send_is_read(
    database: str, sessions: async_sessionmaker[AsyncSession], ocpi_server: OcpiStandIn
) -> None:
    for mode, remark in QUIRKS.items():
        ocpi_server.mode = mode
        source = Source(id=mode.replace("_", "-"), type="ocpi", url=ocpi_server.url, token_env=TOKEN_ENV, page_limit=2)
        run = (await run_due_sources(job_context(sessions, ChargingSettings(sources=[source]))))[source.id]
        assert (run.ok, run.accepted, run.rejected) == (True, 6, 0), (mode, run.error)
        if remark:
            assert {"record": "*", "message": remark} in run.messages, mode
    rows = await locations(sessions)
    # every quirk's source brought the same five Locations (uc2 and uc3 of the spec share one id)
    async with sessions_for_city(sessions, "dortmund")() as session:
        sources = (await session.scalars(select(Location.source))).all()
    assert sorted(sources) == sorted([m.replace("_", "-") for m in QUIRKS] * 5) and len(rows) == 5


async def test_an_ocpi_3_answer_or_a_failing_source_is_reported(
    database: str,
    sessions: async_sessionmaker[AsyncSession],
    ocpi_server: OcpiStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ocpi_server.mode = "ocpi3"
    run = await _pull(sessions, settings_for(ocpi_server))
    assert not run.ok and run.error is not None
    assert run.error.startswith("OCPI 3.0 is not supported"), run.error
    assert run.next_date_from is None
    ocpi_server.mode = "error"
    run = await _pull(sessions, settings_for(ocpi_server))
    assert run.error == "OCPI status_code 3001: Unable to use the client's API"
    ocpi_server.mode = "envelope"
    monkeypatch.setenv(TOKEN_ENV, "wrong")
    run = await _pull(sessions, settings_for(ocpi_server))
    assert run.error == "HTTP 401: the operator refused our token"
    assert await locations(sessions) == {}


async def test_bad_records_are_rejected_and_the_rest_kept(
    database: str, sessions: async_sessionmaker[AsyncSession], ocpi_server: OcpiStandIn
) -> None:
    del ocpi_server.locations[1]["coordinates"]
    ocpi_server.locations[4]["country"] = "Netherlands"
    ocpi_server.locations[4]["last_updated"] = "2019-09-27T02:19:45+02:00"
    run = await _pull(sessions, settings_for(ocpi_server))
    assert (run.ok, run.accepted, run.repaired, run.rejected) == (True, 5, 1, 1)
    assert {
        "record": "SE*EVC*cbb0df21-d17d-40ba-a4aa-dc588c8f98cb",
        "message": "rejected: coordinates: missing",
    } in run.messages
    repaired = (await locations(sessions))["NL*ALL*f76c2e0c-a6ef-4f67-bf23-6a187e5ca0e0"]
    assert repaired.country == "NLD" and "country: 'Netherlands' read as NLD" in repaired.warnings
    assert repaired.last_updated.isoformat() == "2019-09-27T00:19:45+00:00"
    ghent = Area(bbox=[51.0, 3.6, 51.1, 3.8])
    cropped = (await run_due_sources(job_context(sessions, settings_for(ocpi_server, ghent, "ghent"))))["ghent"]
    assert (cropped.accepted, cropped.rejected, cropped.outside) == (1, 1, 4)
