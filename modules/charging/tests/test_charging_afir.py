"""AFIR DATEX II v3: the Giro-e table (static) and EnBW's status publication, served by a local feed host."""

from __future__ import annotations

from charging_kit import CCS_150, T2_22, job_context, locations, ocpi_location, store_ocpi
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging import payment
from stadtkern_charging.jobs import run_due_sources
from stadtkern_charging.models import Evse
from stadtkern_charging.settings import ChargingSettings, Source

from core.api import utcnow


async def test_the_static_table_becomes_locations(
    database: str, sessions: async_sessionmaker[AsyncSession], file_server: str
) -> None:
    source = Source(id="giroe", type="afir_static", url=f"{file_server}/afir/datex2_giroe_static_reduced.json")
    run = (await run_due_sources(job_context(sessions, ChargingSettings(sources=[source]))))["giroe"]
    assert (run.ok, run.accepted, run.rejected) == (True, 8, 0), (run.error, run.messages)
    bochum = (await locations(sessions))["DE*GLS*2629"]
    assert (bochum.city, bochum.postal_code, bochum.address) == ("Bochum", "44789", "Christstr. 9-11")
    assert (round(bochum.lat, 4), round(bochum.lon, 4), bochum.operator_key) == (51.4709, 7.2195, "gls mobility gmbh")
    assert len(bochum.evses) == 8 and {e.status for e in bochum.evses} == {"UNKNOWN"}
    plug = bochum.evses[0].connectors[0]
    assert (plug.standard, plug.format, plug.power_type, plug.power_w) == (
        "IEC_62196_T2",
        "SOCKET",
        "AC_3_PHASE",
        22000,
    )
    assert bochum.opening_times is not None and bochum.opening_times["twentyfourseven"]
    assert "contactless" in payment.methods(bochum.payment_mask)


async def test_status_publication_updates_evses_by_evse_id_across_sources(
    database: str, sessions: async_sessionmaker[AsyncSession], file_server: str, client: AsyncTestClient[Litestar]
) -> None:
    # EnBW's static data came from another source (here: OCPI); the AFIR status finds it by EVSE id.
    raw = ocpi_location(
        "ENBW", 51.5136, 7.4653, [("E914082*1", "UNKNOWN", [CCS_150]), ("E914082*2", "UNKNOWN", [T2_22])]
    )
    for evse in raw["evses"]:
        evse["evse_id"] = f"DE*EBW*{evse['uid']}"
    raw["evses"].append({**raw["evses"][0], "uid": "X1", "evse_id": "DE-EBW-E914081-1"})  # spelled with dashes
    await store_ocpi(sessions, [raw], source="enbw-static")
    source = Source(id="enbw", type="afir_status", url=f"{file_server}/afir/datex2_enbw_realtime_reduced.json")
    run = (await run_due_sources(job_context(sessions, ChargingSettings(sources=[source]))))["enbw"]
    assert run.ok and run.accepted == 3 and run.rejected > 0, run.messages
    assert {"record": "DE*EBW*E914081*2", "message": "rejected: no EVSE with this id in the city"} in run.messages
    evses = {e.uid: e for e in (await locations(sessions))["DE*DOE*ENBW"].evses}
    assert (evses["E914082*1"].status, evses["E914082*2"].status, evses["X1"].status) == (
        "CHARGING",
        "AVAILABLE",
        "OUTOFORDER",
    )
    # the sample is from March: its statuses are stale now, and shown so
    response = await client.get("/v1/dortmund/charging/locations", params={"lat": 51.5136, "lon": 7.4653})
    item = response.json()["items"][0]
    assert item["stale"] and item["status"]["unknown"] == 3 and item["status_age_s"] > 86400
    async with sessions() as session, session.begin():
        await session.execute(update(Evse).values(status_reported_at=utcnow()))
    item = (await client.get("/v1/dortmund/charging/locations", params={"lat": 51.5136, "lon": 7.4653})).json()[
        "items"
    ][0]
    assert (item["status"]["free"], item["status"]["occupied"], item["status"]["out_of_order"]) == (1, 1, 1)
