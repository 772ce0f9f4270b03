"""The OCPI Sender export: the spec's examples out as they came in, and our own export pulled back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from charging_kit import locations
from litestar import Litestar
from litestar.testing import AsyncTestClient
from ocpi_standin import OcpiStandIn, sample
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.imports.ocpi_pull import pull_source
from stadtkern_charging.services.export import location_json
from stadtkern_charging.settings import ChargingSettings, Source

from core.api.tenancy import sessions_for_city

EXPORT = "/v1/dortmund/charging/ocpi/2.2.1/locations"
TOKEN_ENV = "CHARGING_TEST_EXPORT_TOKEN"


@pytest.fixture
async def imported(
    database: str, sessions: async_sessionmaker[AsyncSession], ocpi_server: OcpiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, ocpi_server.token)
    source = Source(id="standin", type="ocpi", url=ocpi_server.url, token_env=TOKEN_ENV)
    run = await pull_source(sessions_for_city(sessions, "dortmund"), source, ChargingSettings())
    assert run.ok and run.accepted == 6


def _without_id(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != "id"}


async def test_the_spec_examples_come_out_as_they_went_in(imported: None, client: AsyncTestClient[Litestar]) -> None:
    response = await client.get(EXPORT, params={"limit": 1})
    assert response.status_code == 200
    assert (response.headers["x-total-count"], response.headers["x-limit"]) == ("2", "100")
    assert 'rel="next"' in response.headers["link"] and "offset=1" in response.headers["link"]
    body = response.json()
    assert (body["status_code"], body["status_message"]) == (1000, "Success") and body["timestamp"].endswith("Z")
    everything = (await client.get(EXPORT)).json()["data"]
    assert "link" not in (await client.get(EXPORT)).headers
    # only published Locations; ours carry our own id, everything else as the spec wrote it
    by_name = {o["name"]: o for o in everything}
    assert set(by_name) == {"Gent Zuid", "P-Huset Leonard"}
    assert _without_id(by_name["Gent Zuid"]) == _without_id(sample("location_example.json"))
    assert _without_id(by_name["P-Huset Leonard"]) == _without_id(
        sample("location_example_parking_garage_opening_hours.json")
    )
    gent = by_name["Gent Zuid"]
    one = await client.get(f"{EXPORT}/{gent['id']}/3256/2")
    assert one.json()["data"] == sample("location_example.json")["evses"][0]["connectors"][1]
    evse = await client.get(f"{EXPORT}/{gent['id']}/3257")
    assert evse.json()["data"] == sample("location_example.json")["evses"][1]
    assert (await client.get(f"{EXPORT}/{gent['id']}/9999")).status_code == 404
    later = await client.get(EXPORT, params={"date_from": "2016-01-01T00:00:00Z"})
    assert [o["name"] for o in later.json()["data"]] == ["P-Huset Leonard"]
    bad = await client.get(EXPORT, params={"date_from": "yesterday"})
    assert bad.status_code == 422 and "query.date_from" in bad.text


async def test_importing_our_own_export_yields_the_same_data(
    imported: None, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    source = Source(id="dortmund-export", type="ocpi", url=f"http://testserver{EXPORT}", page_limit=1)
    # the test client is an httpx client on the real ASGI stack (and on the app's event loop, where its pool lives)
    run = await pull_source(sessions_for_city(sessions, "schwerte"), source, ChargingSettings(), client=client)
    assert (run.ok, run.accepted, run.repaired, run.rejected) == (True, 2, 0, 0), run.error
    original = {r.name: location_json(r) for r in (await locations(sessions)).values() if r.publish}
    copied = {r.name: location_json(r) for r in (await locations(sessions, "schwerte")).values()}
    assert set(copied) == set(original) == {"Gent Zuid", "P-Huset Leonard"}
    for name, obj in original.items():
        assert _without_id(copied[name]) == _without_id(obj)


async def test_ngsi_ld_key_values(imported: None, client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/v1/dortmund/charging/ngsi-ld/v1/entities", params={"type": "EVChargingStation"})
    assert response.status_code == 200 and response.headers["ngsild-results-count"] == "2"
    assert "json-ld#context" in response.headers["link"]
    gent = next(e for e in response.json() if e["name"] == "Gent Zuid")
    assert gent["id"].startswith("urn:ngsi-ld:EVChargingStation:") and gent["type"] == "EVChargingStation"
    assert gent["location"] == {"type": "Point", "coordinates": [3.729944, 51.047599]}
    assert gent["address"]["addressLocality"] == "Gent" and gent["operator"] == "BeCharged"
    # two EVSEs, one free, one reserved; both plugs Type 2
    assert (gent["capacity"], gent["availableCapacity"], gent["socketType"], gent["status"]) == (
        2,
        1,
        ["Type2"],
        ["working"],
    )
    # the FIWARE example's shape: the same keys for what both describe
    fiware = json.loads((Path(__file__).parent / "data" / "fiware" / "example.json").read_text())
    shared = {"id", "type", "name", "location", "capacity", "socketType", "address", "operator", "allowedVehicleType"}
    assert shared <= set(fiware) and shared <= set(gent)
    assert {type(gent[k]) for k in shared} == {type(fiware[k]) for k in shared}
    bad = await client.get("/v1/dortmund/charging/ngsi-ld/v1/entities", params={"type": "OffStreetParking"})
    assert bad.status_code == 422 and "query.type" in bad.text
