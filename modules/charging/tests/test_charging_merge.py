"""One physical charge point from several sources: listed once, with the live source's status."""

from __future__ import annotations

import datetime as dt

from charging_kit import CCS_150, T2_22, locations, ocpi_location, store_ocpi
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.imports.bnetza import Row, to_record
from stadtkern_charging.services.store import write_location

from core.api.tenancy import sessions_for_city

URL = "/v1/dortmund/charging/locations"


def register_row(ident: str, lat: float, lon: float, operator: str, evse_id: str = "") -> Row:
    """A register row as the importer reads it (the columns it maps)."""
    values = {
        "id": ident,
        "operator": operator,
        "status": "In Betrieb",
        "street": "Königswall",
        "number": "15",
        "postal_code": "44137",
        "city": "Dortmund",
        "lat": f"{lat:.6f}".replace(".", ","),
        "lon": f"{lon:.6f}".replace(".", ","),
        "plugs1": "AC Typ 2 Steckdose",
        "power1": "22",
        "evse_id1": evse_id,
    }
    return Row(1, values)


async def _register(sessions: async_sessionmaker[AsyncSession], rows: list[Row]) -> None:
    async with sessions_for_city(sessions, "dortmund")() as session, session.begin():
        for row in rows:
            await write_location(session, "register", to_record(row, dt.datetime(2026, 9, 1, tzinfo=dt.UTC)))


async def _names(client: AsyncTestClient[Litestar]) -> list[str]:
    response = await client.get(URL, params={"lat": 51.518, "lon": 7.459, "radius_m": 3000})
    return [i["name"] for i in response.json()["items"]]


async def test_records_of_one_charge_point_are_listed_once(
    database: str, sessions: async_sessionmaker[AsyncSession], client: AsyncTestClient[Litestar]
) -> None:
    # the register first (static), then the operator's OCPI feed (live), then the register again
    await _register(
        sessions,
        [
            register_row("1001", 51.51800, 7.45900, "DEW21", evse_id="DE*DOE*E1"),  # same EVSE id as HBF's
            register_row("1002", 51.51360, 7.46530, "DEW21"),  # 10 m from WALL, same operator
            register_row("1003", 51.51365, 7.46535, "Andere GmbH"),  # there too, but another operator
        ],
    )
    assert len(await _names(client)) == 3
    await store_ocpi(
        sessions,
        [
            ocpi_location("HBF", 51.5181, 7.4591, [("1", "AVAILABLE", [CCS_150])]),
            ocpi_location("WALL", 51.51362, 7.46540, [("2", "CHARGING", [T2_22])]),
        ],
    )
    names = await _names(client)
    assert sorted(names) == sorted(["Ladepunkt HBF", "Ladepunkt WALL", "Andere GmbH"])
    rows = await locations(sessions)
    assert rows["DE*BNA*1001"].merged_into_id == rows["DE*DOE*HBF"].id
    assert rows["DE*BNA*1002"].merged_into_id == rows["DE*DOE*WALL"].id
    assert rows["DE*BNA*1003"].merged_into_id is None
    # a new register download does not bring the duplicates back
    await _register(sessions, [register_row("1001", 51.51800, 7.45900, "DEW21", evse_id="DE-DOE-E1")])
    assert sorted(await _names(client)) == sorted(names)
    hbf = (await client.get(URL, params={"lat": 51.518, "lon": 7.459, "radius_m": 100})).json()["items"][0]
    assert hbf["live"] and hbf["status"]["free"] == 1
