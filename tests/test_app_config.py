"""``GET /v1/{tenant}/app-config``: what the app learns about its city at start."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.manifest import load_manifest
from core.testing import TEST_MANIFEST


async def test_each_city_gets_its_own_configuration(client: AsyncTestClient[Litestar]) -> None:
    dortmund = await client.get("/v1/dortmund/app-config")
    schwerte = await client.get("/v1/schwerte/app-config")
    assert dortmund.status_code == schwerte.status_code == 200
    d, s = dortmund.json(), schwerte.json()
    assert d["city"] == {
        "slug": "dortmund",
        "name": "Dortmund",
        "locales": ["de", "en"],
        "languages": [{"tag": "de", "dir": "ltr"}, {"tag": "en", "dir": "ltr"}],
        "time_zone": "Europe/Berlin",
    }
    assert s["city"]["slug"] == "schwerte"
    assert s["city"]["name"] == "Schwerte"
    assert s["city"]["time_zone"] == "Europe/Berlin"
    assert d["legal"] == {"privacy": "2026-11-01", "terms": "2026-11-01"}
    assert s["legal"] == {"privacy": "2026-10-15"}
    assert s["min_app_version"] == "1.1.0"
    assert d["min_app_version"] != s["min_app_version"]
    assert dortmund.headers["etag"] != schwerte.headers["etag"]


async def test_matches_the_manifest(client: AsyncTestClient[Litestar]) -> None:
    manifest = load_manifest(TEST_MANIFEST)
    for slug, tenant in manifest.tenants.items():
        body = (await client.get(f"/v1/{slug}/app-config")).json()
        assert body["city"]["name"] == tenant.name
        assert body["city"]["locales"] == list(tenant.locales)
        assert body["city"]["time_zone"] == tenant.time_zone
        assert body["legal"] == dict(tenant.legal)


async def test_modules_are_listed_per_city(client: AsyncTestClient[Litestar]) -> None:
    d = (await client.get("/v1/dortmund/app-config")).json()
    s = (await client.get("/v1/schwerte/app-config")).json()
    dortmund_ids = {m["id"] for m in d["modules"]}
    schwerte_ids = {m["id"] for m in s["modules"]}
    assert "waste" in schwerte_ids  # enabled for Schwerte only
    assert "waste" not in dortmund_ids
    for module in s["modules"]:
        assert module["version"] and module["title"]
        for topic in module["push_topics"]:
            assert topic["id"].startswith(module["id"] + ".")
            assert isinstance(topic["default_on"], bool)


async def test_module_titles_follow_the_language(client: AsyncTestClient[Litestar]) -> None:
    german = (await client.get("/v1/schwerte/app-config", headers={"Accept-Language": "de"})).json()
    english = (await client.get("/v1/schwerte/app-config", headers={"Accept-Language": "en"})).json()
    assert german["locale"] == "de" and english["locale"] == "en"
    assert [m["id"] for m in german["modules"]] == [m["id"] for m in english["modules"]]


async def test_unknown_city_is_404(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/v1/Dortmund/app-config")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_etag_and_not_modified(client: AsyncTestClient[Litestar]) -> None:
    first = await client.get("/v1/schwerte/app-config")
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    cached = await client.get("/v1/schwerte/app-config", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    assert cached.headers["content-language"] == "de"
