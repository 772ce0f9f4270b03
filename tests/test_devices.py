"""Device registration, the resident's credential, and deletion."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Device
from core.testing import register_device


async def test_register_read_update_delete(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    device_id, headers = await register_device(client, push_token="t" * 40)

    me = await client.get("/v1/dortmund/devices/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["id"] == device_id
    assert me.json()["has_push_token"] is True

    patched = await client.patch("/v1/dortmund/devices/me", headers=headers, json={"locale": "en", "push_token": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["locale"] == "en"
    assert patched.json()["has_push_token"] is False

    gone = await client.delete("/v1/dortmund/devices/me", headers=headers)
    assert gone.status_code == 204
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Device)) == 0
    # the credential died with the device
    after = await client.get("/v1/dortmund/devices/me", headers=headers)
    assert after.status_code == 401
    assert after.headers["content-type"].startswith("application/problem+json")


async def test_credential_is_bound_to_its_city(client: AsyncTestClient[Litestar]) -> None:
    _, headers = await register_device(client, "dortmund")
    response = await client.get("/v1/schwerte/devices/me", headers=headers)
    assert response.status_code == 403


async def test_invalid_registration_names_the_field(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/v1/dortmund/devices", json={"platform": "ios", "locale": "fr", "app_version": "1.0.0"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body.locale", "message": "must be one of de, en"}]
    bad_version = await client.post(
        "/v1/dortmund/devices", json={"platform": "ios", "locale": "de", "app_version": "latest"}
    )
    assert bad_version.status_code == 422
    assert bad_version.json()["errors"][0]["field"] == "body.app_version"


async def test_forged_or_garbage_credential_is_refused(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/v1/dortmund/devices/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status_code == 401
