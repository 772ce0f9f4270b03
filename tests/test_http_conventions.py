"""What every client sees the same way: problem+json errors, ETags, caching, compression, language,
CORS and rate limits."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

import brotli
import pytest
import redis.asyncio as redis_async
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.testing import IN_CI, register_device, staff_headers

PROBLEM = "application/problem+json"
REDIS_URL = "redis://127.0.0.1:6379/5"


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    return body  # type: ignore[no-any-return]


# ---------------------------------------------------------------- errors are RFC 9457 problems


async def test_unknown_city_is_a_404_problem(client: AsyncTestClient[Litestar]) -> None:
    body = assert_problem(await client.get("/v1/atlantis/app-config"), 404)
    assert body["detail"] == "unknown city"
    assert body["instance"] == "/v1/atlantis/app-config"


async def test_unknown_route_is_a_404_problem(client: AsyncTestClient[Litestar]) -> None:
    assert_problem(await client.get("/no/such/route"), 404)
    assert_problem(await client.get("/v1/dortmund/no-such-thing"), 404)


async def test_missing_credential_is_401_and_wrong_role_is_403(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert_problem(await client.get("/v1/dortmund/staff/accounts"), 401)
    _, device = await register_device(client)
    # a resident's credential is no staff credential
    assert_problem(await client.get("/v1/dortmund/staff/accounts", headers=device), 401)
    editor = await staff_headers(client, sessions, grants={"push": "editor"})
    assert_problem(await client.get("/v1/dortmund/staff/accounts", headers=editor), 403)


async def test_a_401_names_the_scheme_and_a_refused_token(client: AsyncTestClient[Litestar]) -> None:
    """RFC 9110 section 15.5.2 / RFC 6750: which credential would do, and whether the one sent was refused."""
    missing = await client.get("/v1/dortmund/devices/me")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == 'Bearer realm="stadtkern"'
    forged = await client.get("/v1/dortmund/devices/me", headers={"Authorization": "Bearer a.b.c"})
    assert forged.status_code == 401
    assert forged.headers["www-authenticate"] == 'Bearer realm="stadtkern", error="invalid_token"'
    assert "www-authenticate" not in (await client.get("/v1/dortmund/app-config")).headers


async def test_inviting_a_member_of_the_city_again_is_409(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions)
    invitation = {"email": "lena.becker@dortmund.de", "display_name": "Lena Becker", "grants": {"push": "editor"}}
    first = await client.post("/v1/dortmund/staff/invitations", json=invitation, headers=admin)
    assert first.status_code == 201, first.text
    accept = {"token": first.json()["token"], "password": "a long enough password"}
    assert (await client.post("/v1/dortmund/staff/invitations/accept", json=accept)).status_code == 200
    again = await client.post(
        "/v1/dortmund/staff/invitations", json={**invitation, "email": "Lena.Becker@dortmund.de"}, headers=admin
    )
    assert_problem(again, 409)


async def test_body_over_the_limit_is_413(app_factory: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=app_factory(max_body_bytes=200)) as client:
        small = await client.post(
            "/v1/dortmund/devices", json={"platform": "ios", "locale": "de", "app_version": "1.0.0"}
        )
        assert small.status_code == 201, small.text
        big = await client.post(
            "/v1/dortmund/devices",
            json={"platform": "ios", "locale": "de", "app_version": "1.0.0", "push_token": "x" * 400},
        )
        assert_problem(big, 413)


async def test_invalid_body_is_422_with_field_paths(client: AsyncTestClient[Litestar]) -> None:
    wrong_type = await client.post("/v1/dortmund/devices", json={"platform": "ios", "locale": "de", "app_version": 3})
    body = assert_problem(wrong_type, 422)
    assert [e["field"] for e in body["errors"]] == ["body.app_version"]

    missing = await client.post("/v1/dortmund/devices", json={"platform": "ios", "locale": "de"})
    body = assert_problem(missing, 422)
    assert [e["field"] for e in body["errors"]] == ["body.app_version"]

    unknown = await client.post(
        "/v1/dortmund/devices", json={"platform": "ios", "locale": "de", "app_version": "1.0", "x": 1}
    )
    body = assert_problem(unknown, 422)
    assert [e["field"] for e in body["errors"]] == ["body.x"]  # the unknown field itself, not "body"

    wrong_enum = await client.post(
        "/v1/dortmund/devices", json={"platform": "nokia", "locale": "de", "app_version": "1.0"}
    )
    body = assert_problem(wrong_enum, 422)
    assert body["errors"][0]["field"] == "body.platform"


@pytest.mark.parametrize("raw", [b"{not json", b'{"platform": "ios",', b"\xff\xfe", b"[1, 2", b"", b"null"], ids=repr)
async def test_malformed_json_is_400_never_500(client: AsyncTestClient[Litestar], raw: bytes) -> None:
    response = await client.post("/v1/dortmund/devices", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422), response.text
    assert_problem(response, response.status_code)
    if raw == b"{not json":
        assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/v1/dortmund/staff/accounts?limit=abc",
        "/v1/dortmund/staff/accounts?limit=0",
        "/v1/dortmund/staff/accounts?limit=100000",
        "/v1/dortmund/staff/accounts?cursor=%%%",
        "/v1/dortmund/staff/accounts?cursor=WyJhIl0",
        "/v1/dortmund/staff/accounts?cursor=WyJhIiwgIm5vdC1hLXV1aWQiXQ",
    ],
)
async def test_bad_query_parameters_are_422_with_the_parameter_named(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], path: str
) -> None:
    admin = await staff_headers(client, sessions)
    body = assert_problem(await client.get(path, headers=admin), 422)
    assert body["errors"][0]["field"] in ("query.limit", "query.cursor")


async def test_bad_path_parameter_and_garbage_headers_are_not_500(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await staff_headers(client, sessions)
    not_uuid = await client.put("/v1/dortmund/staff/accounts/not-a-uuid/grants", json={"grants": {}}, headers=admin)
    assert not_uuid.status_code in (400, 404, 422)
    assert not_uuid.headers["content-type"].startswith(PROBLEM)
    for header in ("Bearer", "Basic abc", "Bearer a.b.c", "Bearer " + "x" * 5000):
        response = await client.get("/v1/dortmund/devices/me", headers={"Authorization": header})
        assert response.status_code == 401, (header, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    weird = await client.get(
        "/v1/dortmund/app-config", headers={"Accept-Language": ";;q=x,*;q=,-", "If-None-Match": '"'}
    )
    assert weird.status_code == 200


async def test_head_answers_like_get_without_a_body(client: AsyncTestClient[Litestar]) -> None:
    get = await client.get("/v1/dortmund/app-config")
    head = await client.head("/v1/dortmund/app-config")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-type"] == get.headers["content-type"]
    not_modified = await client.head("/v1/dortmund/app-config", headers={"If-None-Match": get.headers["etag"]})
    assert not_modified.status_code == 304
    unknown = await client.head("/v1/nowhere/app-config")
    assert unknown.status_code == 404 and unknown.content == b""
    # HEAD is a read: it never reaches a write-only route
    assert (await client.head("/v1/dortmund/devices")).status_code == 405


async def test_wrong_method_is_405(client: AsyncTestClient[Litestar]) -> None:
    response = await client.delete("/v1/dortmund/app-config")
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


async def test_too_many_requests_is_429_with_rate_limit_headers(app_factory: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=app_factory(rate_limit_per_minute=3)) as client:
        for _ in range(3):
            ok = await client.get("/v1/dortmund/app-config")
            assert ok.status_code == 200
            assert ok.headers["ratelimit-limit"] == "3"
        limited = await client.get("/v1/dortmund/app-config")
        body = assert_problem(limited, 429)
        assert "retry-after" in limited.headers or "ratelimit-reset" in limited.headers
        assert limited.headers["ratelimit-remaining"] == "0"
        # the problem carries the request id like every other error
        assert body["request_id"] == limited.headers["x-request-id"]
        # health checks are not rate limited (the orchestrator must always get through)
        assert (await client.get("/health/live")).status_code == 200


async def test_rate_limit_is_shared_through_redis(app_factory: Callable[..., Litestar]) -> None:
    store = redis_async.Redis.from_url(REDIS_URL)
    try:
        await store.ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        await store.aclose()
        if IN_CI:  # .ci/run starts Redis; under CI a missing Redis must not hide this test
            pytest.fail(f"Redis at {REDIS_URL} is not reachable under CI=true: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")
    await store.flushdb()
    try:
        first = app_factory(redis_url=REDIS_URL, rate_limit_per_minute=3)
        second = app_factory(redis_url=REDIS_URL, rate_limit_per_minute=3)
        async with AsyncTestClient(app=first) as one, AsyncTestClient(app=second) as two:
            statuses = [(await client.get("/v1/dortmund/app-config")).status_code for client in (one, two, one)]
            assert statuses == [200, 200, 200]
            assert_problem(await two.get("/v1/dortmund/app-config"), 429)
            assert_problem(await one.get("/v1/dortmund/app-config"), 429)
        assert await store.keys("stadtkern*")
    finally:
        await store.flushdb()
        await store.aclose()


# ---------------------------------------------------------------- ETag, 304 and Cache-Control


async def test_etag_and_304(client: AsyncTestClient[Litestar]) -> None:
    first = await client.get("/v1/dortmund/app-config")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and etag.endswith('"')  # weak: the same for every encoding

    again = await client.get("/v1/dortmund/app-config")
    assert again.headers["etag"] == etag

    not_modified = await client.get("/v1/dortmund/app-config", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag

    # If-None-Match compares weakly (RFC 9110 §13.1.2): with or without W/, among other tags
    strong_form = etag.removeprefix("W/")
    weak = await client.get("/v1/dortmund/app-config", headers={"If-None-Match": f'"other", {strong_form}'})
    assert weak.status_code == 304

    stale = await client.get("/v1/dortmund/app-config", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200
    assert stale.json() == first.json()

    # another city (another resource) has another tag
    other = await client.get("/v1/schwerte/app-config", headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert other.headers["etag"] != etag


async def test_a_changed_resource_gets_a_new_etag(client: AsyncTestClient[Litestar]) -> None:
    _, device = await register_device(client)
    before = await client.get("/v1/dortmund/devices/me", headers=device)
    etag = before.headers["etag"]
    assert (await client.get("/v1/dortmund/devices/me", headers={**device, "If-None-Match": etag})).status_code == 304

    patched = await client.patch("/v1/dortmund/devices/me", json={"locale": "en"}, headers=device)
    assert patched.status_code == 200

    after = await client.get("/v1/dortmund/devices/me", headers={**device, "If-None-Match": etag})
    assert after.status_code == 200
    assert after.json()["locale"] == "en"
    assert after.headers["etag"] != etag


async def test_cache_control_public_for_anonymous_private_with_credentials(
    client: AsyncTestClient[Litestar],
) -> None:
    anonymous = await client.get("/v1/dortmund/app-config")
    assert anonymous.headers["cache-control"].startswith("public")
    _, device = await register_device(client)
    personal = await client.get("/v1/dortmund/devices/me", headers=device)
    assert personal.status_code == 200
    assert personal.headers["cache-control"].startswith("private")
    # the same public resource asked for with a credential must not land in a shared cache either
    with_auth = await client.get("/v1/dortmund/app-config", headers=device)
    assert with_auth.headers["cache-control"].startswith("private")
    # errors are not cached as if they were the resource
    error = await client.get("/v1/atlantis/app-config")
    assert "etag" not in error.headers


async def test_no_etag_on_writes(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/v1/dortmund/devices", json={"platform": "ios", "locale": "de", "app_version": "1.0.0"}
    )
    assert response.status_code == 201
    assert "etag" not in response.headers


# ---------------------------------------------------------------- compression


@pytest.mark.parametrize(
    ("encoding", "decode"),
    [("br", brotli.decompress), ("gzip", gzip.decompress)],
)
async def test_compression_keeps_etag_and_304(
    client: AsyncTestClient[Litestar], encoding: str, decode: Callable[[bytes], bytes]
) -> None:
    plain = await client.get("/schema/openapi.json", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert len(plain.content) > 500

    # a raw stream, so the body is seen as it travels
    async with client.stream("GET", "/schema/openapi.json", headers={"Accept-Encoding": encoding}) as raw:
        wire = b"".join([chunk async for chunk in raw.aiter_raw()])
        headers = raw.headers
    assert raw.status_code == 200
    assert headers["content-encoding"] == encoding
    assert "accept-encoding" in headers.get("vary", "").lower()
    assert len(wire) < len(plain.content)
    assert json.loads(decode(wire)) == plain.json()
    # one representation, one tag: the ETag does not depend on the encoding, so it is weak (RFC 9110)
    assert headers["etag"] == plain.headers["etag"]
    assert headers["etag"].startswith('W/"')

    not_modified = await client.get(
        "/schema/openapi.json", headers={"Accept-Encoding": encoding, "If-None-Match": headers["etag"]}
    )
    assert not_modified.status_code == 304
    assert not_modified.content == b""


async def test_small_responses_are_not_compressed(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/live", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers


# ---------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "de"),
        ("en", "en"),
        ("en-GB,en;q=0.9,de;q=0.5", "en"),
        ("de;q=0.4,en;q=0.8", "en"),
        ("en;q=0.4,de;q=0.8", "de"),
        ("fr-FR,fr;q=0.9", "de"),
        ("fr,en;q=0.1", "en"),
        ("en;q=0", "de"),
        ("*", "de"),
        ("", "de"),
    ],
)
async def test_accept_language_picks_the_locale(
    client: AsyncTestClient[Litestar], header: str | None, locale: str
) -> None:
    headers = {"Accept-Language": header} if header is not None else {}
    response = await client.get("/v1/dortmund/app-config", headers=headers)
    assert response.status_code == 200
    assert response.json()["locale"] == locale
    assert response.headers["content-language"] == locale


async def test_different_languages_have_different_etags(client: AsyncTestClient[Litestar]) -> None:
    german = await client.get("/v1/dortmund/app-config", headers={"Accept-Language": "de"})
    english = await client.get("/v1/dortmund/app-config", headers={"Accept-Language": "en"})
    assert german.headers["etag"] != english.headers["etag"]
    # a cached German copy is not confirmed for an English reader
    revalidate = await client.get(
        "/v1/dortmund/app-config", headers={"Accept-Language": "en", "If-None-Match": german.headers["etag"]}
    )
    assert revalidate.status_code == 200
    assert revalidate.json()["locale"] == "en"


# ---------------------------------------------------------------- CORS


async def test_cors_preflight_only_for_configured_origins(app_factory: Callable[..., Litestar]) -> None:
    app = app_factory(cors_origins=("https://app.dortmund.de",))
    async with AsyncTestClient(app=app) as client:
        allowed = await client.options(
            "/v1/dortmund/devices",
            headers={
                "Origin": "https://app.dortmund.de",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, authorization",
            },
        )
        assert allowed.status_code in (200, 204), allowed.text
        assert allowed.headers["access-control-allow-origin"] == "https://app.dortmund.de"
        assert "POST" in allowed.headers["access-control-allow-methods"]

        refused = await client.options(
            "/v1/dortmund/devices",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert refused.status_code >= 400
        assert "access-control-allow-origin" not in refused.headers

        simple = await client.get("/v1/dortmund/app-config", headers={"Origin": "https://app.dortmund.de"})
        assert simple.headers["access-control-allow-origin"] == "https://app.dortmund.de"
        foreign = await client.get("/v1/dortmund/app-config", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in foreign.headers


async def test_no_cors_headers_without_configured_origins(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/v1/dortmund/app-config", headers={"Origin": "https://app.dortmund.de"})
    assert "access-control-allow-origin" not in response.headers
