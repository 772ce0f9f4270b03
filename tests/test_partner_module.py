"""The sharing model: a partner city's module, installed as its own distribution, runs unchanged.

``stadtkern-waste-calendar`` lives in examples/waste_calendar, is installed with pip like any
third-party package, and is enabled for Schwerte only (tests/manifest.toml). Nothing in core/
knows about it. Its behaviour is tested by its own suite (examples/waste_calendar/tests, run by
``make template-check``) with the test kit only; here: that this deployment serves it as configured.
"""

from __future__ import annotations

import json
import uuid
from importlib.metadata import distribution
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_waste.module import spec

from core.loader import discover
from core.testing import staff_headers


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


async def test_schwerte_serves_it(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    editor = await staff_headers(client, sessions, "schwerte", {"waste": "editor"})
    body = {"district": "Ergste", "fraction": "bio", "date": "2027-03-01"}
    created = await client.post("/v1/schwerte/waste/pickups", json=body, headers=editor)
    assert created.status_code == 201, created.text
    listed = await client.get("/v1/schwerte/waste/pickups")
    assert [i["id"] for i in listed.json()["items"]] == [created.json()["id"]]


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
    assert waste == [
        {"id": "waste", "version": "1.0.0", "title": "Waste calendar", "push_topics": [], "min_app_version": None}
    ]
    dortmund = await client.get("/v1/dortmund/app-config")
    assert "waste" not in [m["id"] for m in dortmund.json()["modules"]]
