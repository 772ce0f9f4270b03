"""The sharing model: a partner city's module, installed as its own distribution, runs unchanged.

``stadtkern-waste-calendar`` lives in examples/waste_calendar, is installed with pip like any
third-party package, and is enabled for Schwerte only (tests/manifest.toml). Nothing in core/
knows about it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from importlib.metadata import distribution
from pathlib import Path
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_waste.models import Pickup
from stadtkern_waste.module import spec
from stadtkern_waste.settings import WasteSettings

from core.api import SeedContext, TenantInfo
from core.api.keys import ModuleKeys
from core.api.push import BoundPush, UnavailablePush
from core.api.tenancy import sessions_for_city
from core.loader import discover
from core.testing import TEST_SECRET_KEY, staff_headers

BASE = "/v1/schwerte/waste/pickups"
DAY = dt.date(2027, 3, 1)


async def _editor(client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    return await staff_headers(client, sessions, "schwerte", {"waste": "editor"}, email="waste-editor@schwerte.example")


async def _create(
    client: AsyncTestClient[Litestar], headers: dict[str, str], day: dt.date, district: str = "Ergste", **extra: str
) -> dict[str, str]:
    body = {"district": district, "fraction": "paper", "date": day.isoformat(), **extra}
    response = await client.post(BASE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_installed_as_a_third_party_distribution() -> None:
    installed = discover()["waste"]
    assert installed.distribution == "stadtkern-waste-calendar"
    # a real, non-editable install: package and migrations are in site-packages, not in examples/
    direct_url = json.loads(distribution("stadtkern-waste-calendar").read_text("direct_url.json") or "{}")
    assert not direct_url.get("dir_info", {}).get("editable", False)
    assert spec.migrations is not None and "site-packages" in str(spec.migrations)
    assert (spec.migrations / "waste_0001_pickups.py").is_file()
    # a module of its own: nothing under core/ or modules/ mentions it
    root = Path(__file__).parent.parent
    for folder in ("core", "modules"):
        for source in (root / folder).rglob("*.py"):
            assert "stadtkern_waste" not in source.read_text(encoding="utf-8"), source


async def test_schwerte_lists_creates_deletes_and_syncs(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await _editor(client, sessions)
    first = await client.get(BASE)
    assert first.status_code == 200, first.text
    assert first.json()["items"] == [] and first.json()["deleted"] == []
    token = first.json()["sync_token"]

    created = [await _create(client, headers, DAY + dt.timedelta(days=i)) for i in range(5)]
    assert created[0]["district"] == "Ergste" and created[0]["fraction"] == "paper"
    assert created[0]["date"] == DAY.isoformat()

    # cursor pagination across pages, in date order, each item once
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await client.get(BASE, params=params)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json().get("next_cursor")
        pages += 1
        if not cursor:
            break
    assert seen == [c["id"] for c in created]
    assert pages == 3

    # filters: district and date window
    await _create(client, headers, DAY, district="Villigst")
    ergste = await client.get(BASE, params={"district": "Ergste", "from": "2027-03-02", "to": "2027-03-03"})
    assert [i["id"] for i in ergste.json()["items"]] == [created[1]["id"], created[2]["id"]]
    villigst = await client.get(BASE, params={"district": "Villigst"})
    assert [i["district"] for i in villigst.json()["items"]] == ["Villigst"]

    # delete leaves a tombstone that the next delta reports
    gone = await client.delete(f"{BASE}/{created[0]['id']}", headers=headers)
    assert gone.status_code == 204, gone.text
    again = await client.delete(f"{BASE}/{created[0]['id']}", headers=headers)
    assert again.status_code == 404
    delta = await client.get(BASE, params={"since": token})
    assert delta.status_code == 200, delta.text
    assert delta.json()["deleted"] == [created[0]["id"]]
    assert created[0]["id"] not in [i["id"] for i in delta.json()["items"]]
    assert {c["id"] for c in created[1:]} <= {i["id"] for i in delta.json()["items"]}
    full = await client.get(BASE, params={"district": "Ergste"})
    assert [i["id"] for i in full.json()["items"]] == [c["id"] for c in created[1:]]
    assert full.json()["deleted"] == []


async def test_dortmund_does_not_have_the_module(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions, "dortmund")
    path = "/v1/dortmund/waste/pickups"
    body = {"district": "Ergste", "fraction": "bio", "date": "2027-03-01"}
    for headers in ({}, admin):
        assert (await client.get(path, headers=headers)).status_code == 404
        assert (await client.post(path, json=body, headers=headers)).status_code == 404
        assert (await client.delete(f"{path}/{uuid.uuid4()}", headers=headers)).status_code == 404


async def test_app_config_lists_the_module_only_where_enabled(client: AsyncTestClient[Litestar]) -> None:
    schwerte = await client.get("/v1/schwerte/app-config", headers={"accept-language": "en"})
    assert schwerte.status_code == 200
    waste = [m for m in schwerte.json()["modules"] if m["id"] == "waste"]
    assert waste == [{"id": "waste", "version": "1.0.0", "title": "Waste calendar", "push_topics": []}]
    dortmund = await client.get("/v1/dortmund/app-config")
    assert "waste" not in [m["id"] for m in dortmund.json()["modules"]]


async def test_rows_are_isolated_by_city(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        foreign = Pickup(tenant_id="dortmund", district="Ergste", fraction="bio", pickup_date=DAY)
        session.add(foreign)
    foreign_id = str(foreign.id)
    headers = await _editor(client, sessions)
    own = await _create(client, headers, DAY)

    listed = await client.get(BASE)
    assert [i["id"] for i in listed.json()["items"]] == [own["id"]]
    filtered = await client.get(BASE, params={"district": "Ergste", "from": DAY.isoformat(), "to": DAY.isoformat()})
    assert [i["id"] for i in filtered.json()["items"]] == [own["id"]]
    delta = await client.get(BASE, params={"since": listed.json()["sync_token"]})
    assert foreign_id not in [i["id"] for i in delta.json()["items"]]
    # Schwerte's editor cannot delete Dortmund's row, not even knowing its id
    assert (await client.delete(f"{BASE}/{foreign_id}", headers=headers)).status_code == 404
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Pickup).where(Pickup.id == foreign.id)) == 1


async def test_writes_need_an_editor_of_this_city(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    body = {"district": "Ergste", "fraction": "residual", "date": "2027-03-01"}
    anonymous = await client.post(BASE, json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert (await client.delete(f"{BASE}/{uuid.uuid4()}")).status_code == 401

    other_city = await staff_headers(client, sessions, "dortmund", {"*": "admin"}, email="admin@dortmund.example")
    assert (await client.post(BASE, json=body, headers=other_city)).status_code == 403
    assert (await client.delete(f"{BASE}/{uuid.uuid4()}", headers=other_city)).status_code == 403

    # an editor of another module in Schwerte is not an editor of the waste calendar
    other_module = await staff_headers(
        client, sessions, "schwerte", {"push": "editor"}, email="push-editor@schwerte.example"
    )
    assert (await client.post(BASE, json=body, headers=other_module)).status_code == 403

    city_admin = await staff_headers(client, sessions, "schwerte", {"*": "admin"}, email="admin@schwerte.example")
    assert (await client.post(BASE, json=body, headers=city_admin)).status_code == 201


async def test_bad_input_is_a_422_naming_the_field(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = await _editor(client, sessions)

    unknown_district = await client.post(
        BASE, json={"district": "Dortmund-Mitte", "fraction": "bio", "date": "2027-03-01"}, headers=headers
    )
    assert unknown_district.status_code == 422, unknown_district.text
    assert unknown_district.headers["content-type"].startswith("application/problem+json")
    [problem] = unknown_district.json()["errors"]
    assert problem["field"] == "body.district"
    assert "Ergste" in problem["message"]

    bad_fraction = await client.post(
        BASE, json={"district": "Ergste", "fraction": "glass", "date": "2027-03-01"}, headers=headers
    )
    assert bad_fraction.status_code == 422, bad_fraction.text
    assert [e["field"] for e in bad_fraction.json()["errors"]] == ["body.fraction"]

    bad_date = await client.post(
        BASE, json={"district": "Ergste", "fraction": "bio", "date": "tomorrow"}, headers=headers
    )
    assert bad_date.status_code == 422, bad_date.text
    assert [e["field"] for e in bad_date.json()["errors"]] == ["body.date"]

    unknown_field = await client.post(
        BASE, json={"district": "Ergste", "fraction": "bio", "date": "2027-03-01", "colour": "blue"}, headers=headers
    )
    assert unknown_field.status_code == 422, unknown_field.text

    query_district = await client.get(BASE, params={"district": "Atlantis"})
    assert query_district.status_code == 422
    assert [e["field"] for e in query_district.json()["errors"]] == ["query.district"]

    window = await client.get(BASE, params={"from": "2027-03-05", "to": "2027-03-01"})
    assert window.status_code == 422
    assert [e["field"] for e in window.json()["errors"]] == ["query.to"]

    cursor = await client.get(BASE, params={"cursor": "not-a-cursor"})
    assert cursor.status_code == 422
    assert [e["field"] for e in cursor.json()["errors"]] == ["query.cursor"]

    since = await client.get(BASE, params={"since": "garbage"})
    assert since.status_code == 422
    assert [e["field"] for e in since.json()["errors"]] == ["query.since"]

    limit = await client.get(BASE, params={"limit": 0})
    assert limit.status_code == 422
    assert [e["field"] for e in limit.json()["errors"]] == ["query.limit"]


async def test_seed_creates_demo_pickups(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert spec.seed is not None
    settings = WasteSettings(districts=["Innenstadt", "Ergste"])
    info = TenantInfo(slug="schwerte", name="Schwerte", locales=("de", "en"), time_zone=ZoneInfo("Europe/Berlin"))
    async with sessions_for_city(sessions, "schwerte")() as session, session.begin():
        await spec.seed(
            SeedContext(
                module_id="waste",
                tenant=info,
                settings=settings,
                session=session,
                push=BoundPush(UnavailablePush(), session, info),
                keys=ModuleKeys("waste", TEST_SECRET_KEY),
            )
        )
    async with sessions() as session:
        rows = (await session.scalars(select(Pickup))).all()
    assert len(rows) == 8
    assert {r.tenant_id for r in rows} == {"schwerte"}
    assert {r.district for r in rows} == {"Innenstadt", "Ergste"}
