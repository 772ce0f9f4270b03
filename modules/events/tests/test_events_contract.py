"""The contract's stranger check for this module's write routes alone (the shared test covers all)."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.testing import register_device, staff_headers, write_routes


async def test_event_write_routes_refuse_strangers(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    other = {"dortmund": "schwerte", "schwerte": "dortmund"}
    staff = {c: await staff_headers(client, sessions, c, email=f"events-contract@{c}.example") for c in other}
    devices = {c: (await register_device(client, c))[1] for c in other}
    routes = [r for r in write_routes(app) if r.module_id == "events"]
    assert len(routes) >= 9
    for route in routes:
        for city in other:
            url = route.url(city)
            anonymous = await client.request(route.method, url)
            assert anonymous.status_code == 401, (route.method, url, anonymous.text)
            stranger = await client.request(route.method, url, headers=staff[other[city]])
            if route.for_devices:
                assert stranger.status_code == 401, (route.method, url, stranger.text)
                stranger = await client.request(route.method, url, headers=devices[other[city]])
            assert stranger.status_code == 403, (route.method, url, stranger.text)
