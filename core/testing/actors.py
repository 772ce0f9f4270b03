"""Who calls the API in a test: a registered device, a signed-in staff member with grants."""

from __future__ import annotations

import itertools
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.staff import create_account, set_grants
from core.testing.support import first_city

STAFF_PASSWORD = "correct horse battery staple"  # noqa: S105 - a test account's password
_accounts = itertools.count(1)


async def register_device(
    client: AsyncTestClient[Litestar], tenant: str | None = None, **fields: Any
) -> tuple[str, dict[str, str]]:
    """Registers an app install in ``tenant`` (default: the manifest's first city); returns id and auth header."""
    tenant = tenant or first_city()
    body = {"platform": "android", "locale": "de", "app_version": "1.4.0", **fields}
    response = await client.post(f"/v1/{tenant}/devices", json=body)
    assert response.status_code == 201, response.text
    payload = response.json()
    return payload["device"]["id"], {"Authorization": f"Bearer {payload['credential']}"}


async def staff_headers(
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    tenant: str | None = None,
    grants: dict[str, str] | None = None,
    email: str | None = None,
) -> dict[str, str]:
    """Creates a staff account with ``grants`` in ``tenant`` (default: city admin) and signs it in."""
    tenant = tenant or first_city()
    email = email or f"staff-{tenant}-{next(_accounts)}@example.org"
    async with sessions() as session, session.begin():
        account = await create_account(session, email, "Test Staff", STAFF_PASSWORD)
        await set_grants(session, account.id, tenant, grants or {"*": "admin"})
    response = await client.post(f"/v1/{tenant}/staff/login", json={"email": email, "password": STAFF_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
