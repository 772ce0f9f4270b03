"""The OCPI receiver: push partners PUT and PATCH Locations, EVSEs and Connectors with their own token."""

from __future__ import annotations

import base64
import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from charging_kit import evse_by_uid, locations
from litestar import Litestar
from litestar.testing import AsyncTestClient
from ocpi_standin import sample
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.models import StatusChange

from core.api.tenancy import sessions_for_city

NewStaff = Callable[..., Awaitable[dict[str, str]]]
LOC = "/v1/dortmund/charging/ocpi/2.2.1/emsp/locations/BE/BEC/LOC1"


def in_dortmund(raw: dict[str, Any]) -> dict[str, Any]:
    """The spec's example Location moved to Dortmund (the city keeps what lies in its area)."""
    moved = copy.deepcopy(raw)
    moved["coordinates"] = {"latitude": "51.517800", "longitude": "7.459200"}
    return moved


def token_header(token: str, encode: bool = True) -> dict[str, str]:
    value = base64.b64encode(token.encode()).decode() if encode else token
    return {"Authorization": f"Token {value}"}


@pytest.fixture
async def partner(database: str, client: AsyncTestClient[Litestar], new_staff: NewStaff) -> dict[str, Any]:
    admin = await new_staff("dortmund", {"charging": "admin"})
    response = await client.post(
        "/v1/dortmund/charging/partners",
        json={"name": "BeCharged", "country_code": "be", "party_id": "bec"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["country_code"], body["party_id"], len(body["token"])) == ("BE", "BEC", 48)
    assert response.headers["location"] == f"/v1/dortmund/charging/partners/{body['id']}"
    listed = await client.get("/v1/dortmund/charging/partners", headers=admin)
    assert [p["token"] for p in listed.json()] == [None]  # shown once, stored hashed
    return {**body, "headers": token_header(body["token"]), "admin": admin, "location": response.headers["location"]}


async def test_a_partner_is_read_at_its_location_by_the_citys_admins(
    partner: dict[str, Any], client: AsyncTestClient[Litestar], new_staff: NewStaff
) -> None:
    where, admin = partner["location"], partner["admin"]
    read = await client.get(where, headers=admin)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == partner["id"]
    listed = (await client.get("/v1/dortmund/charging/partners", headers=admin)).json()
    assert read.json() == listed[0] and read.json()["token"] is None  # the list's shape, no secret
    assert (await client.get(where)).status_code == 401
    editor = await new_staff("dortmund", {"charging": "editor"})
    assert (await client.get(where, headers=editor)).status_code == 403
    unknown = "/v1/dortmund/charging/partners/01900000-0000-7000-8000-000000000000"
    assert (await client.get(unknown, headers=admin)).status_code == 404

    schwerte_admin = await new_staff("schwerte", {"charging": "admin"})
    theirs = await client.post(
        "/v1/schwerte/charging/partners",
        json={"name": "BeCharged", "country_code": "BE", "party_id": "BEC"},
        headers=schwerte_admin,
    )
    assert theirs.status_code == 201, theirs.text
    assert theirs.headers["location"] == f"/v1/schwerte/charging/partners/{theirs.json()['id']}"
    assert (await client.get(theirs.headers["location"], headers=schwerte_admin)).status_code == 200
    elsewhere = await client.get(f"/v1/dortmund/charging/partners/{theirs.json()['id']}", headers=admin)
    assert elsewhere.status_code == 404  # another city's partner


async def test_put_and_patch_as_the_spec_describes(
    partner: dict[str, Any], client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    auth = partner["headers"]
    put = await client.put(LOC, json=in_dortmund(sample("location_example.json")), headers=auth)
    assert put.status_code == 200, put.text
    assert (put.json()["status_code"], put.json()["status_message"]) == (1000, "Success")
    row = (await locations(sessions))["BE*BEC*LOC1"]
    assert row.source == "partner:BE*BEC" and [e.uid for e in row.evses] == ["3256", "3257"]

    status = await client.patch(f"{LOC}/3256", json=sample("location_patch_example_status.json"), headers=auth)
    assert status.status_code == 200, status.text
    evse = await evse_by_uid(sessions, "3256")
    assert evse.status == "CHARGING" and evse.live
    async with sessions_for_city(sessions, "dortmund")() as session:
        changes = (await session.scalars(select(StatusChange).where(StatusChange.evse_id == evse.id))).all()
    assert sorted((c.previous or "", c.status) for c in changes) == [("", "AVAILABLE"), ("AVAILABLE", "CHARGING")]

    name = await client.patch(LOC, json=sample("location_patch_example_location.json"), headers=auth)
    assert name.status_code == 200
    tariff = await client.patch(f"{LOC}/3256/1", json=sample("location_patch_example_tariff.json"), headers=auth)
    assert tariff.status_code == 200, tariff.text
    row = (await locations(sessions))["BE*BEC*LOC1"]
    assert row.name == "Interparking Gent Zuid"
    connectors = {c.connector_id: c for c in next(e for e in row.evses if e.uid == "3256").connectors}
    assert connectors["1"].tariff_ids == ["15"] and connectors["2"].tariff_ids == ["13"]
    # the PATCH of the name kept the EVSE status pushed before it
    assert next(e for e in row.evses if e.uid == "3256").status == "CHARGING"

    detail = await client.get(f"/v1/dortmund/charging/locations/{row.id}")
    assert [(e["uid"], e["state"]) for e in detail.json()["evses"]] == [("3256", "occupied"), ("3257", "occupied")]
    removed = await client.patch(f"{LOC}/3257", json=sample("location_patch_example_remove_evse.json"), headers=auth)
    assert removed.status_code == 200
    detail = await client.get(f"/v1/dortmund/charging/locations/{row.id}")
    assert [e["uid"] for e in detail.json()["evses"]] == ["3256"]


async def test_invalid_objects_are_problems_naming_the_field(
    partner: dict[str, Any], client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    auth = partner["headers"]
    assert (await client.put(LOC, json=in_dortmund(sample("location_example.json")), headers=auth)).status_code == 200
    # the spec's own "add an EVSE" example is not valid 2.2.1 (its connector lacks power_type, ...)
    added = await client.put(f"{LOC}/3256", json=sample("location_put_example_add_evse.json"), headers=auth)
    assert added.status_code == 422, added.text
    assert added.headers["content-type"].startswith("application/problem+json")
    assert "body.connectors" in added.text and "power_type" in added.text
    kept = (await locations(sessions))["BE*BEC*LOC1"].evses
    assert [(e.uid, e.evse_id, len(e.connectors)) for e in kept] == [
        ("3256", "BE*BEC*E041503001", 2),
        ("3257", "BE*BEC*E041503002", 1),
    ]
    no_stamp = await client.patch(f"{LOC}/3256", json={"status": "CHARGING"}, headers=auth)
    assert no_stamp.status_code == 422 and "body.last_updated" in no_stamp.text
    wrong_id = await client.put(LOC, json={**in_dortmund(sample("location_example.json")), "id": "LOC2"}, headers=auth)
    assert wrong_id.status_code == 422 and "body.id" in wrong_id.text
    unknown = await client.patch(f"{LOC}/9999", json=sample("location_patch_example_status.json"), headers=auth)
    assert unknown.status_code == 404
    huge = await client.patch(LOC, json={"name": "x" * 5000, "last_updated": "2019-06-24T12:39:09Z"}, headers=auth)
    assert huge.status_code == 422 and "body.name" in huge.text
    outside = await client.put(
        LOC.replace("LOC1", "GENT"), json={**sample("location_example.json"), "id": "GENT"}, headers=auth
    )
    assert outside.json()["status_message"] == "Accepted; outside the city's area, not kept"
    assert "BE*BEC*GENT" not in await locations(sessions)


async def test_every_write_needs_the_partners_own_token(
    partner: dict[str, Any],
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    new_staff: NewStaff,
) -> None:
    body = in_dortmund(sample("location_example.json"))
    status = sample("location_patch_example_status.json")
    for method, url, data in (("PUT", LOC, body), ("PATCH", f"{LOC}/3256", status), ("PUT", f"{LOC}/3256/1", {})):
        assert (await client.request(method, url, json=data)).status_code == 401
        wrong = await client.request(method, url, json=data, headers=token_header("not-a-partner"))
        assert wrong.status_code == 401
        assert wrong.headers["www-authenticate"] == 'Token realm="ocpi"'  # OCPI's scheme, not the app's
        admin = await client.request(method, url, json=data, headers=partner["admin"])
        assert admin.status_code == 401  # a staff credential is not a partner token
        other_party = await client.request(
            method, url.replace("/BE/BEC/", "/DE/DEW/"), json=data, headers=partner["headers"]
        )
        assert other_party.status_code == 403
        other_city = await client.request(
            method, url.replace("/dortmund/", "/schwerte/"), json=data, headers=partner["headers"]
        )
        assert other_city.status_code == 401
    # OCPI 2.2 partners send the token plain
    plain = await client.put(LOC, json=body, headers=token_header(partner["token"], encode=False))
    assert plain.status_code == 200
    revoked = await client.delete(f"/v1/dortmund/charging/partners/{partner['id']}", headers=partner["admin"])
    assert revoked.status_code == 204
    assert (await client.put(LOC, json=body, headers=partner["headers"])).status_code == 401
    rotated = await client.post(f"/v1/dortmund/charging/partners/{partner['id']}/token", headers=partner["admin"])
    assert rotated.status_code == 200, rotated.text  # a new token, no new resource
    assert "location" not in rotated.headers
    assert (await client.put(LOC, json=body, headers=token_header(rotated.json()["token"]))).status_code == 200
    assert (await client.put(LOC, json=body, headers=partner["headers"])).status_code == 401
    editor = await new_staff("dortmund", {"charging": "editor"})
    assert (await client.get("/v1/dortmund/charging/partners", headers=editor)).status_code == 403
