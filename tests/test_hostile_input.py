"""Input no database can store never reaches one: NUL characters anywhere, absurd nesting, oversized
texts. Every case is a 4xx problem naming the field, the same on SQLite and PostgreSQL, and nothing
already stored changes."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.testing import STAFF_PASSWORD, register_device, staff_headers

DEVICE = {"platform": "ios", "locale": "de", "app_version": "1.0.0"}
NUL = "\x00"


def _fields(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [e["field"] for e in body.get("errors", [])]


async def test_nul_in_a_body_is_a_422_naming_the_field(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    device = await client.post("/v1/dortmund/devices", json={**DEVICE, "app_version": f"1.0{NUL}"})
    assert device.status_code == 422, device.text
    assert device.headers["content-type"].startswith("application/problem+json")
    assert _fields(device) == ["body.app_version"]

    sign_in = await client.post("/v1/dortmund/staff/login", json={"email": f"a{NUL}@b.de", "password": "x" * 12})
    assert sign_in.status_code == 422 and _fields(sign_in) == ["body.email"]

    editor = await staff_headers(client, sessions, "dortmund", {"events": "editor"})
    event = {
        "title": {"de": f"Konzert{NUL}"},
        "start": "2030-05-01T19:00:00+02:00",
        "end": "2030-05-01T21:00:00+02:00",
    }
    created = await client.post("/v1/dortmund/events/events", json=event, headers=editor)
    assert created.status_code == 422, created.text
    assert _fields(created) == ["body.title.de"]
    # a NUL in a key is refused as well, pointing at the object holding it
    nested = await client.post("/v1/dortmund/events/events", json={**event, "title": {f"d{NUL}e": "x"}}, headers=editor)
    assert nested.status_code == 422 and _fields(nested) == ["body.title"]


async def test_nul_in_the_query_or_path_is_a_422(client: AsyncTestClient[Litestar]) -> None:
    search = await client.get("/v1/dortmund/events/occurrences", params={"q": f"kon{NUL}zert"})
    assert search.status_code == 422, search.text
    assert _fields(search) == ["query.q"]
    raw = await client.get("/v1/dortmund/events/occurrences?district=Mitte%00")
    assert raw.status_code == 422 and _fields(raw) == ["query.district"]
    path = await client.get("/v1/dortmund/events/events/abc%00def")
    assert path.status_code in (404, 422), path.text  # never a 500


async def test_json_nested_200000_deep_is_a_400_not_a_500(client: AsyncTestClient[Litestar]) -> None:
    for deep in ("[" * 200_000 + "]" * 200_000, '{"a":' * 150_000 + "1" + "}" * 150_000, "[" * 40 + "]" * 40):
        response = await client.post(
            "/v1/dortmund/devices", content=deep.encode(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text[:200]
        assert "nested deeper" in response.json()["detail"]


async def test_a_900_kb_title_is_refused_on_both_databases(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    editor = await staff_headers(client, sessions, "dortmund", {"events": "editor"})
    event = {
        "title": {"de": "K" * 900_000},
        "start": "2030-05-01T19:00:00+02:00",
        "end": "2030-05-01T21:00:00+02:00",
    }
    response = await client.post(
        "/v1/dortmund/events/events",
        content=json.dumps(event).encode(),
        headers={**editor, "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text[:300]
    assert _fields(response) == ["body.title"]
    listed = await client.get("/v1/dortmund/events/occurrences")
    assert listed.status_code == 200


async def test_what_was_stored_survives_hostile_updates(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    _device_id, headers = await register_device(client, "dortmund")
    before = (await client.get("/v1/dortmund/devices/me", headers=headers)).json()
    patched = await client.patch("/v1/dortmund/devices/me", json={"app_version": f"2.0{NUL}"}, headers=headers)
    assert patched.status_code == 422 and _fields(patched) == ["body.app_version"]
    assert (await client.get("/v1/dortmund/devices/me", headers=headers)).json() == before
    assert STAFF_PASSWORD  # the kit's password is long enough for sign-in (sanity for the helpers)
