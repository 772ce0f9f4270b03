"""Operator surfaces are not public in production: /metrics needs its token, the OpenAPI UI an opt-in."""

from __future__ import annotations

import re
from collections.abc import Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient

PRODUCTION_KEY = "kq3V9r-LmZ2xT8wYb1NcF5hJ0sDgPeA7uRiO4nWt"
SURFACES = ("/metrics", "/schema/swagger", "/schema/openapi.json")


async def _statuses(app: Litestar, headers: dict[str, str] | None = None) -> list[int]:
    async with AsyncTestClient(app=app) as client:
        return [(await client.get(path, headers=headers or {})).status_code for path in SURFACES]


async def test_production_hides_metrics_and_docs_by_default(app_factory: Callable[..., Litestar]) -> None:
    app = app_factory(env="production", secret_key=PRODUCTION_KEY)
    assert await _statuses(app) == [404, 404, 404]
    async with AsyncTestClient(app=app) as client:  # the API itself is served
        assert (await client.get("/v1/dortmund/app-config")).status_code == 200


async def test_production_serves_them_when_the_operator_opts_in(app_factory: Callable[..., Litestar]) -> None:
    app = app_factory(
        env="production", secret_key=PRODUCTION_KEY, metrics_token="scrape-me-0123456789", public_docs=True
    )
    assert await _statuses(app) == [401, 200, 200]
    assert await _statuses(app, {"Authorization": "Bearer wrong"}) == [401, 200, 200]
    assert await _statuses(app, {"Authorization": "Bearer scrape-me-0123456789"}) == [200, 200, 200]


async def test_development_keeps_them_open(app_factory: Callable[..., Litestar]) -> None:
    assert await _statuses(app_factory(env="dev")) == [200, 200, 200]


async def test_the_openapi_ui_loads_nothing_from_elsewhere(app_factory: Callable[..., Litestar]) -> None:
    # Offline, behind a city's firewall, and no CDN told who reads the documentation.
    async with AsyncTestClient(app=app_factory(env="dev")) as client:
        page = await client.get("/schema/swagger")
        assert page.status_code == 200
        sources = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
        assert len(sources) >= 4, page.text  # script, preset, style, icon
        for source in sources:
            assert source.startswith("/schema/assets/"), f"the UI loads {source} from elsewhere"
            asset = await client.get(source)
            assert asset.status_code == 200 and len(asset.content) > 500, source
            assert "immutable" in asset.headers["cache-control"]
        assert "https://" not in page.text.replace("https://swagger.io", "")
    hidden = app_factory(env="production", secret_key=PRODUCTION_KEY)
    async with AsyncTestClient(app=hidden) as client:
        assert (await client.get(sources[0])).status_code == 404  # hidden with the UI
