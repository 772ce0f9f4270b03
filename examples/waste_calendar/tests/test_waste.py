"""The waste calendar's behaviour, through the HTTP API, the job and the seed, with the test kit only."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_waste.models import Pickup

from core.testing import run_jobs, run_seed

BASE = "/v1/schwerte/waste/pickups"
DAY = dt.date(2027, 3, 1)
StaffFactory = Callable[..., Awaitable[dict[str, str]]]


async def _create(
    client: AsyncTestClient[Litestar], headers: dict[str, str], day: dt.date, district: str = "Ergste"
) -> dict[str, str]:
    body = {"district": district, "fraction": "paper", "date": day.isoformat()}
    response = await client.post(BASE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _all_ids(client: AsyncTestClient[Litestar], limit: int) -> tuple[list[str], int]:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = await client.get(BASE, params=params)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json().get("next_cursor")
        pages += 1
        if not cursor:
            return seen, pages


async def test_editors_add_residents_page_through(client: AsyncTestClient[Litestar], new_staff: StaffFactory) -> None:
    editor = await new_staff("schwerte", {"waste": "editor"})
    first = await client.get(BASE)
    assert first.status_code == 200, first.text
    assert first.json()["items"] == [] and first.json()["deleted"] == []

    created = [await _create(client, editor, DAY + dt.timedelta(days=i)) for i in range(5)]
    assert (created[0]["district"], created[0]["fraction"], created[0]["date"]) == ("Ergste", "paper", "2027-03-01")
    # cursor pagination across pages, in date order, each item once
    assert await _all_ids(client, limit=2) == ([c["id"] for c in created], 3)

    await _create(client, editor, DAY, district="Villigst")
    ergste = await client.get(BASE, params={"district": "Ergste", "from": "2027-03-02", "to": "2027-03-03"})
    assert [i["id"] for i in ergste.json()["items"]] == [created[1]["id"], created[2]["id"]]
    villigst = await client.get(BASE, params={"district": "Villigst"})
    assert [i["district"] for i in villigst.json()["items"]] == ["Villigst"]


async def test_a_deleted_pickup_reaches_apps_through_the_delta(
    client: AsyncTestClient[Litestar], new_staff: StaffFactory
) -> None:
    editor = await new_staff("schwerte", {"waste": "editor"})
    token = (await client.get(BASE)).json()["sync_token"]
    created = [await _create(client, editor, DAY + dt.timedelta(days=i)) for i in range(3)]

    assert (await client.delete(f"{BASE}/{created[0]['id']}", headers=editor)).status_code == 204
    assert (await client.delete(f"{BASE}/{created[0]['id']}", headers=editor)).status_code == 404
    delta = await client.get(BASE, params={"since": token})
    assert delta.status_code == 200, delta.text
    assert delta.json()["deleted"] == [created[0]["id"]]
    assert [i["id"] for i in delta.json()["items"]] == [c["id"] for c in created[1:]]
    full = await client.get(BASE)
    assert [i["id"] for i in full.json()["items"]] == [c["id"] for c in created[1:]]
    assert full.json()["deleted"] == []


async def test_a_new_pickup_is_read_where_location_says(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: StaffFactory
) -> None:
    editor = await new_staff("schwerte", {"waste": "editor"})
    body = {"district": "Ergste", "fraction": "paper", "date": DAY.isoformat()}
    created = await client.post(BASE, json=body, headers=editor)
    assert created.status_code == 201, created.text
    pickup_id = created.json()["id"]
    assert created.headers["location"] == f"{BASE}/{pickup_id}"
    # residents read the calendar without credentials, one pickup as the list shows it
    read = await client.get(created.headers["location"])
    assert read.status_code == 200, read.text
    assert read.json() == created.json()
    assert [i for i in (await client.get(BASE)).json()["items"] if i["id"] == pickup_id] == [read.json()]

    async with sessions() as session, session.begin():
        foreign = Pickup(tenant_id="unna", district="Mitte", fraction="bio", pickup_date=DAY)
        session.add(foreign)
    assert (await client.get(f"{BASE}/{foreign.id}")).status_code == 404  # Unna's, seen from Schwerte
    assert (await client.get(f"/v1/unna/waste/pickups/{pickup_id}")).status_code == 404  # and the other way
    assert (await client.get(f"/v1/unna/waste/pickups/{foreign.id}")).status_code == 200
    assert (await client.get(f"{BASE}/{uuid.uuid4()}")).status_code == 404
    assert (await client.delete(created.headers["location"], headers=editor)).status_code == 204
    gone = await client.get(created.headers["location"])
    assert gone.status_code == 404 and gone.headers["content-type"].startswith("application/problem+json")


async def test_rows_of_another_city_stay_out_of_reach(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: StaffFactory
) -> None:
    async with sessions() as session, session.begin():
        foreign = Pickup(tenant_id="unna", district="Ergste", fraction="bio", pickup_date=DAY)
        session.add(foreign)
    editor = await new_staff("schwerte", {"waste": "editor"})
    own = await _create(client, editor, DAY)

    listed = await client.get(BASE)
    assert [i["id"] for i in listed.json()["items"]] == [own["id"]]
    filtered = await client.get(BASE, params={"district": "Ergste", "from": DAY.isoformat(), "to": DAY.isoformat()})
    assert [i["id"] for i in filtered.json()["items"]] == [own["id"]]
    # Schwerte's editor cannot delete Unna's row, not even knowing its id
    assert (await client.delete(f"{BASE}/{foreign.id}", headers=editor)).status_code == 404
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Pickup).where(Pickup.id == foreign.id)) == 1


async def test_writes_need_an_editor_of_this_city(client: AsyncTestClient[Litestar], new_staff: StaffFactory) -> None:
    body = {"district": "Ergste", "fraction": "residual", "date": "2027-03-01"}
    anonymous = await client.post(BASE, json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert (await client.delete(f"{BASE}/{uuid.uuid4()}")).status_code == 401

    other_city = await new_staff("unna", {"*": "admin"})
    assert (await client.post(BASE, json=body, headers=other_city)).status_code == 403
    assert (await client.delete(f"{BASE}/{uuid.uuid4()}", headers=other_city)).status_code == 403
    other_module = await new_staff("schwerte", {"push": "editor"})
    assert (await client.post(BASE, json=body, headers=other_module)).status_code == 403
    city_admin = await new_staff("schwerte", {"*": "admin"})
    assert (await client.post(BASE, json=body, headers=city_admin)).status_code == 201


async def test_bad_input_is_a_422_naming_the_field(client: AsyncTestClient[Litestar], new_staff: StaffFactory) -> None:
    editor = await new_staff("schwerte", {"waste": "editor"})
    good = {"district": "Ergste", "fraction": "bio", "date": "2027-03-01"}
    for change, field in (
        ({"district": "Dortmund-Mitte"}, "body.district"),
        ({"fraction": "glass"}, "body.fraction"),
        ({"date": "tomorrow"}, "body.date"),
        ({"date": "0001-01-01"}, "body.date"),
        ({"colour": "blue"}, "body.colour"),
    ):
        response = await client.post(BASE, json={**good, **change}, headers=editor)
        assert response.status_code == 422, (change, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == [field], change
    unknown = await client.post(BASE, json={**good, "district": "Atlantis"}, headers=editor)
    assert "Ergste" in unknown.json()["errors"][0]["message"]  # the message lists the city's districts

    for params, field in (
        ({"district": "Atlantis"}, "query.district"),
        ({"from": "2027-03-05", "to": "2027-03-01"}, "query.to"),
        ({"from": "2027-01-01", "to": "2029-01-01"}, "query.to"),
        ({"cursor": "not-a-cursor"}, "query.cursor"),
        ({"since": "garbage"}, "query.since"),
        ({"limit": 0}, "query.limit"),
    ):
        response = await client.get(BASE, params=params)
        assert response.status_code == 422, (params, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], params


async def test_the_job_forgets_pickups_past_the_citys_limit(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: StaffFactory,
) -> None:
    editor = await new_staff("schwerte", {"waste": "editor"})
    token = (await client.get(BASE)).json()["sync_token"]
    today = dt.date.today()
    old, recent, coming = [await _create(client, editor, today + dt.timedelta(days=d)) for d in (-40, -10, 3)]
    async with sessions() as session, session.begin():
        session.add(
            Pickup(tenant_id="unna", district="Mitte", fraction="bio", pickup_date=today - dt.timedelta(days=40))
        )

    assert await run_jobs(app, sessions, "waste", "schwerte") == 1  # Schwerte keeps 28 days (the default)
    listed = await client.get(BASE)
    assert [i["id"] for i in listed.json()["items"]] == [recent["id"], coming["id"]]
    delta = await client.get(BASE, params={"since": token})
    assert delta.json()["deleted"] == [old["id"]]
    async with sessions() as session:  # Unna's old pickup waits for Unna's own run
        assert await session.scalar(select(func.count()).select_from(Pickup).where(Pickup.tenant_id == "unna")) == 1


async def test_the_seed_fills_each_district_once(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await run_seed(app, sessions, "waste", "unna")
    async with sessions() as session:
        rows = (await session.scalars(select(Pickup))).all()
    assert len(rows) == 8  # two districts, four weeks
    assert {r.tenant_id for r in rows} == {"unna"}
    assert {r.district for r in rows} == {"Mitte", "Massen"}
    assert (await client.get(BASE)).json()["items"] == []
