"""The resident API: chargers near a point with live status, the filters drivers ask for, the detail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from charging_kit import CCS_50, CCS_150, CHADEMO_50, T2_11, T2_22, ocpi_location, store_ocpi
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.models import Evse, Location

from core.api import utcnow

HBF = (51.5178, 7.4592)  # Dortmund Hauptbahnhof
URL = "/v1/dortmund/charging/locations"


def _now_closed() -> dict[str, Any]:
    now = utcnow()
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "twentyfourseven": True,
        "exceptional_closings": [
            {
                "period_begin": (now - dt.timedelta(hours=1)).strftime(stamp),
                "period_end": (now + dt.timedelta(hours=1)).strftime(stamp),
            }
        ],
    }


@pytest.fixture
async def chargers(database: str, sessions: async_sessionmaker[AsyncSession]) -> dict[str, Location]:
    rows = await store_ocpi(
        sessions,
        [
            ocpi_location("HBF", 51.5180, 7.4590, [("1", "AVAILABLE", [CCS_150]), ("2", "CHARGING", [T2_22])]),
            # CCS broken, the Type 2 free: "a free CCS" must not match (same connector)
            ocpi_location("WALL", 51.5136, 7.4653, [("3", "OUTOFORDER", [CCS_50]), ("4", "AVAILABLE", [T2_11])]),
            # free, but the status is two hours old
            ocpi_location("STALE", 51.5200, 7.4700, [("5", "AVAILABLE", [CHADEMO_50, CCS_50])]),
            ocpi_location("CLOSED", 51.5150, 7.4600, [("6", "AVAILABLE", [T2_22])], opening_times=_now_closed()),
            ocpi_location("HIDDEN", 51.5179, 7.4591, [("7", "AVAILABLE", [CCS_150])], publish=False),
            ocpi_location(
                "CITY",
                51.5100,
                7.4500,
                [("8", "RESERVED", [T2_22]), ("9", "BLOCKED", [T2_22])],
                operator={"name": "Stadt Dortmund"},
            ),
            ocpi_location("FAR", 51.4000, 7.2000, [("10", "AVAILABLE", [CCS_150])]),
        ],
    )
    async with sessions() as session, session.begin():
        await session.execute(
            update(Evse).where(Evse.uid == "5").values(status_reported_at=utcnow() - dt.timedelta(hours=2))
        )
        city = rows["CITY"].id
        await session.execute(
            update(Location).where(Location.id == city).values(free_of_charge=True, payment_mask=1 << 2)
        )
    return rows


async def _ids(client: AsyncTestClient[Litestar], **params: Any) -> list[str]:
    response = await client.get(URL, params={"lat": HBF[0], "lon": HBF[1], **params})
    assert response.status_code == 200, response.text
    return [item["name"].removeprefix("Ladepunkt ") for item in response.json()["items"]]


async def test_near_a_point_nearest_first_with_counts(
    chargers: dict[str, Location], client: AsyncTestClient[Litestar]
) -> None:
    response = await client.get(URL, params={"lat": HBF[0], "lon": HBF[1], "radius_m": 3000})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["name"] for i in items] == [f"Ladepunkt {n}" for n in ("HBF", "CLOSED", "WALL", "STALE", "CITY")]
    assert [i["distance_m"] for i in items] == sorted(i["distance_m"] for i in items)
    hbf = items[0]
    assert hbf["status"] == {"total": 2, "free": 1, "occupied": 1, "out_of_order": 0, "unknown": 0, "planned": 0}
    assert hbf["plugs"] == [
        {"standard": "IEC_62196_T2", "power_class": "ac_medium", "max_power_kw": 22.08, "total": 1, "free": 0},
        {"standard": "IEC_62196_T2_COMBO", "power_class": "dc_ultra", "max_power_kw": 150.0, "total": 1, "free": 1},
    ]
    assert hbf["live"] and not hbf["stale"] and hbf["status_age_s"] < 60 and hbf["operator"] == "DEW21"
    wall = items[2]
    # out of order is told apart from occupied
    assert (wall["status"]["out_of_order"], wall["status"]["occupied"], wall["status"]["free"]) == (1, 0, 1)
    stale = items[3]
    assert stale["stale"] and stale["status"]["unknown"] == 1 and stale["status"]["free"] == 0
    assert stale["status_age_s"] >= 7200


async def test_plug_power_and_availability_hold_on_the_same_connector(
    chargers: dict[str, Location], client: AsyncTestClient[Litestar]
) -> None:
    ccs = {"plug": "IEC_62196_T2_COMBO", "radius_m": 3000}
    assert await _ids(client, **ccs) == ["HBF", "WALL", "STALE"]
    assert await _ids(client, **ccs, min_power_kw=100) == ["HBF"]
    assert await _ids(client, **ccs, available="true", min_power_kw=50) == ["HBF"]
    # WALL has a free Type 2 and a 50 kW CCS, but the CCS is broken
    assert await _ids(client, **ccs, available="true", max_power_kw=60) == []
    assert await _ids(client, plug="IEC_62196_T2", max_power_kw=12, radius_m=3000) == ["WALL"]
    assert await _ids(client, available="true", radius_m=3000) == ["HBF", "CLOSED", "WALL"]


async def test_operator_free_payment_and_opening_filters(
    chargers: dict[str, Location], client: AsyncTestClient[Litestar]
) -> None:
    assert await _ids(client, radius_m=3000, operator="stadt dortmund") == ["CITY"]
    assert await _ids(client, radius_m=3000, exclude_operator="DEW21") == ["CITY"]
    assert await _ids(client, radius_m=3000, free="true") == ["CITY"]
    assert await _ids(client, radius_m=3000, payment="credit_card") == ["CITY"]
    assert await _ids(client, radius_m=3000, open_now="true") == ["HBF", "WALL", "STALE", "CITY"]
    assert await _ids(client, radius_m=50000) == ["HBF", "CLOSED", "WALL", "STALE", "CITY", "FAR"]


async def test_pages_follow_the_distance(chargers: dict[str, Location], client: AsyncTestClient[Litestar]) -> None:
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"lat": HBF[0], "lon": HBF[1], "radius_m": 50000, "limit": 2, "open_now": "true"}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get(URL, params=params)).json()
        assert len(body["items"]) <= 2
        seen += [i["name"].removeprefix("Ladepunkt ") for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == ["HBF", "WALL", "STALE", "CITY", "FAR"]


async def test_detail_down_to_connectors(chargers: dict[str, Location], client: AsyncTestClient[Litestar]) -> None:
    response = await client.get(f"{URL}/{chargers['WALL'].id}", params={"lat": HBF[0], "lon": HBF[1]})
    assert response.status_code == 200
    body = response.json()
    assert [(e["uid"], e["status"], e["state"]) for e in body["evses"]] == [
        ("3", "OUTOFORDER", "out_of_order"),
        ("4", "AVAILABLE", "free"),
    ]
    connector = body["evses"][0]["connectors"][0]
    assert (connector["standard"], connector["power_kw"], connector["power_class"]) == (
        "IEC_62196_T2_COMBO",
        50.0,
        "dc_fast",
    )
    assert body["distance_m"] > 500 and body["time_zone"] == "Europe/Berlin" and body["source"] == "test"
    hidden = await client.get(f"{URL}/{chargers['HIDDEN'].id}")
    assert hidden.status_code == 404
    other_city = await client.get(f"/v1/schwerte/charging/locations/{chargers['HBF'].id}")
    assert other_city.status_code == 404


BAD_QUERIES: list[tuple[dict[str, Any], str]] = [
    ({"lat": 91, "lon": 7.4}, "query.lat"),
    ({"lat": 51.5, "lon": 7.4, "radius_m": 0}, "query.radius_m"),
    ({"lat": 51.5, "lon": 7.4, "min_power_kw": 60, "max_power_kw": 50}, "query.max_power_kw"),
    ({"lat": 51.5, "lon": 7.4, "plug": "SCHUKO"}, "plug"),
    ({"lat": 51.5, "lon": 7.4, "limit": 500}, "query.limit"),
]


async def test_bad_queries_are_problems_naming_the_field(database: str, client: AsyncTestClient[Litestar]) -> None:
    for params, field in BAD_QUERIES:
        response = await client.get(URL, params=params)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text, (field, response.text)
    detail = await client.get(f"{URL}/00000000-0000-0000-0000-000000000000", params={"lat": 100, "lon": 7})
    assert detail.status_code in (404, 422)
