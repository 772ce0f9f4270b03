"""Staff: facilities without a feed, counts by hand (clamped like a feed), "closed today", deletion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.testing import run_seed

BASE = "/v1/dortmund/parking"
StaffFactory = Callable[..., Awaitable[dict[str, str]]]
BERLIN = ZoneInfo("Europe/Berlin")


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Parkplatz Westfalenhallen Ost",
        "kind": "surface",
        "lat": 51.4946,
        "lon": 7.4561,
        "capacity": 40,
        "capacity_disabled": 2,
        "max_height_cm": 210,
        "opening_hours": "Mo-Sa 07:00-22:00",
        "fees": {"de": "2 € pro Stunde", "en": "€2 per hour"},
        "payment": ["cash", "card"],
    }
    data.update(overrides)
    return data


async def test_editors_add_count_and_remove_a_facility(
    client: AsyncTestClient[Litestar], new_staff: StaffFactory
) -> None:
    assert (await client.post(f"{BASE}/facilities", json=body())).status_code == 401
    stranger = await new_staff("schwerte", {"parking": "editor"})
    assert (await client.post(f"{BASE}/facilities", json=body(), headers=stranger)).status_code == 403
    editor = await new_staff("dortmund", {"parking": "editor"})
    created = await client.post(f"{BASE}/facilities", json=body(), headers=editor)
    assert created.status_code == 201, created.text
    facility = created.json()
    assert (facility["source"], facility["capacity"], facility["state"]) == ("staff", 40, None)
    english = await client.get(f"{BASE}/facilities/{facility['id']}", headers={"Accept-Language": "en"})
    assert english.json()["fees"] == "€2 per hour"
    token = (await client.get(f"{BASE}/map")).json()["sync_token"]

    # counted by hand: the same clamp-and-flag as a feed, the raw count kept for staff
    url = f"{BASE}/facilities/{facility['id']}/state"
    assert (await client.put(url, json={"free": 5})).status_code == 401
    low = await client.put(url, json={"free": -3}, headers=editor)
    assert low.status_code == 200, low.text
    assert (low.json()["state"]["free"], low.json()["raw_free"], low.json()["flags"]) == (0, -3, ["free_negative"])
    high = (await client.put(url, json={"free": 999}, headers=editor)).json()
    assert (high["state"]["free"], high["raw_free"], high["flags"]) == (40, 999, ["free_above_capacity"])
    ok = (await client.put(url, json={"free": 12}, headers=editor)).json()
    assert (ok["state"]["free"], ok["state"]["occupied"], ok["flags"]) == (12, 28, [])
    pins = {p["id"]: p for p in (await client.get(f"{BASE}/map")).json()["items"]}
    assert (pins[facility["id"]]["free"], pins[facility["id"]]["capacity"]) == (12, 40)

    # filters see it: disabled spaces, a 2.10 m limit
    tall = (await client.get(f"{BASE}/facilities", params={"vehicle_height_cm": 250})).json()["items"]
    assert facility["id"] not in [i["id"] for i in tall]
    low_van = (await client.get(f"{BASE}/facilities", params={"vehicle_height_cm": 200, "disabled": True})).json()
    assert [i["id"] for i in low_van["items"]] == [facility["id"]]

    changed = await client.put(f"{BASE}/facilities/{facility['id']}", json=body(capacity=45), headers=editor)
    assert changed.status_code == 200 and changed.json()["capacity"] == 45
    removed = await client.delete(f"{BASE}/facilities/{facility['id']}", headers=editor)
    assert removed.status_code == 204
    assert (await client.get(f"{BASE}/facilities/{facility['id']}")).status_code == 404
    delta = (await client.get(f"{BASE}/map", params={"since": token})).json()
    assert delta["deleted"] == [facility["id"]] and delta["items"] == []


async def test_bad_input_names_the_field(client: AsyncTestClient[Litestar], new_staff: StaffFactory) -> None:
    editor = await new_staff("dortmund", {"parking": "editor"})
    cases = [
        (body(name=""), "body.name"),
        (body(lat=100), "body.lat"),
        (body(capacity=-1), "body.capacity"),
        (body(kind="garage"), "body.kind"),
        (body(fees={"en": "only English"}), "body.fees"),
        (body(public_url="javascript:alert(1)"), "body.public_url"),
        (body(name="x" * 201), "body.name"),
    ]
    for data, field in cases:
        response = await client.post(f"{BASE}/facilities", json=data, headers=editor)
        assert response.status_code == 422, (field, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], response.json()
    await _import_reports_are_for_editors(client, new_staff)


async def test_closed_today_wins_over_the_feed_until_lifted(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: StaffFactory,
) -> None:
    await run_seed(app, sessions, "parking", "dortmund")
    editor = await new_staff("dortmund", {"parking": "editor"})
    pins = {p["name"]: p for p in (await client.get(f"{BASE}/map")).json()["items"]}
    theater = pins["Theater"]
    assert theater["status"] == "open" and theater["free"] > 0
    # a feed's facility: staff may not edit it (the next pull would undo it) but may close it
    edit = await client.put(f"{BASE}/facilities/{theater['id']}", json=body(), headers=editor)
    assert edit.status_code == 409
    url = f"{BASE}/facilities/{theater['id']}/closure"
    assert (await client.put(url, json={})).status_code == 401
    past = await client.put(url, json={"until": "2020-01-01T00:00:00"}, headers=editor)
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "body.until"
    closed = await client.put(url, json={"note": {"de": "Wasserschaden", "en": "Water damage"}}, headers=editor)
    assert closed.status_code == 200, closed.text
    detail = closed.json()
    tomorrow = dt.datetime.now(BERLIN).date() + dt.timedelta(days=1)
    assert dt.datetime.fromisoformat(detail["closed_until"]) == dt.datetime.combine(tomorrow, dt.time(0), BERLIN)
    assert (detail["state"]["status"], detail["closed_note"]) == ("closed", "Wasserschaden")
    pins = {p["name"]: p for p in (await client.get(f"{BASE}/map")).json()["items"]}
    assert pins["Theater"]["status"] == "closed"
    with_free = (await client.get(f"{BASE}/facilities", params={"has_free": True, "limit": 200})).json()["items"]
    assert "Theater" not in [i["name"] for i in with_free]
    open_now = (await client.get(f"{BASE}/facilities", params={"open_now": True, "limit": 200})).json()["items"]
    assert "Theater" not in [i["name"] for i in open_now] and len(open_now) == 18
    assert (await client.delete(url, headers=editor)).status_code == 204
    pins = {p["name"]: p for p in (await client.get(f"{BASE}/map")).json()["items"]}
    assert pins["Theater"]["status"] == "open"


async def _import_reports_are_for_editors(client: AsyncTestClient[Litestar], new_staff: StaffFactory) -> None:
    assert (await client.get(f"{BASE}/sources")).status_code == 401
    resident_reader = await new_staff("dortmund", {"events": "editor"})
    assert (await client.get(f"{BASE}/sources", headers=resident_reader)).status_code == 403
    editor = await new_staff("dortmund", {"parking": "editor"})
    response = await client.get(f"{BASE}/sources", headers=editor)
    assert response.status_code == 200 and response.json() == []  # the test manifest configures none
