"""Every 201 says where the created resource is read (``Location``), and that GET answers it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.testing import register_device

BASE = "/v1/dortmund/parking"
StaffFactory = Callable[..., Awaitable[dict[str, str]]]
FACILITY = {"name": "Parkhaus Am Theater", "kind": "car_park", "lat": 51.5106, "lon": 7.4603, "capacity": 400}


async def test_a_created_facility_is_read_at_its_location(
    client: AsyncTestClient[Litestar], new_staff: StaffFactory
) -> None:
    editor = await new_staff("dortmund", {"parking": "editor"})
    created = await client.post(f"{BASE}/facilities", json=FACILITY, headers=editor)
    assert created.status_code == 201, created.text
    facility_id = created.json()["id"]
    assert created.headers["location"] == f"{BASE}/facilities/{facility_id}"
    read = await client.get(created.headers["location"])
    assert read.status_code == 200 and read.json()["id"] == facility_id


async def test_an_alert_is_read_by_its_device_only(client: AsyncTestClient[Litestar]) -> None:
    _, device = await register_device(client, "dortmund")
    _, other = await register_device(client, "dortmund")
    _, stranger = await register_device(client, "schwerte")
    body = {"near": {"lat": 51.51, "lon": 7.46, "radius_m": 1000}, "threshold": 10, "weekdays": [1, 2]}
    created = await client.post(f"{BASE}/alerts", json=body, headers=device)
    assert created.status_code == 201, created.text
    alert = created.json()
    location = created.headers["location"]
    assert location == f"{BASE}/alerts/{alert['id']}"
    read = await client.get(location, headers=device)
    assert read.status_code == 200 and read.json() == alert
    assert (await client.get(location)).status_code == 401
    missing = await client.get(location, headers=other)  # another device's alert does not exist for it
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    elsewhere = await client.get(f"/v1/schwerte/parking/alerts/{alert['id']}", headers=stranger)
    assert elsewhere.status_code == 404  # nor does another city's
    assert (await client.delete(location, headers=device)).status_code == 204
    assert (await client.get(location, headers=device)).status_code == 404
