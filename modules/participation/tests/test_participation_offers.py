"""Offers: staff CRUD, the status flow, resident filters, pagination, delta sync, push on publish."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from support_participation import BASE, EDITOR, offer_body

from core.testing import register_device, staff_headers
from push.models import PushOutbox


async def test_offer_lifecycle_and_push_on_publish(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    created = await client.post(f"{BASE}/offers", json=offer_body(), headers=staff)
    assert created.status_code == 201, created.text
    offer = created.json()
    assert offer["status"] == "draft" and offer["place"]["location"]["lat"] == 51.48
    offer_id = offer["id"]

    # residents do not see drafts
    assert (await client.get(f"{BASE}/offers/{offer_id}")).status_code == 404
    assert (await client.get(f"{BASE}/offers")).json()["items"] == []
    assert (await client.get(f"{BASE}/offers?drafts=true")).status_code == 422
    assert len((await client.get(f"{BASE}/offers?drafts=true", headers=staff)).json()["items"]) == 1
    # editors read a draft for editing with both languages; residents cannot use that route
    editing = await client.get(f"{BASE}/offers/{offer_id}/edit", headers=staff)
    assert editing.status_code == 200 and editing.json()["title"] == {"de": "Radweg Hörde", "en": "Hörde cycle lane"}
    assert "content-language" not in editing.headers
    assert (await client.get(f"{BASE}/offers/{offer_id}/edit")).status_code == 401

    bad = await client.post(f"{BASE}/offers/{offer_id}/status", json={"status": "closed"}, headers=staff)
    assert bad.status_code == 409
    published = await client.post(f"{BASE}/offers/{offer_id}/status", json={"status": "published"}, headers=staff)
    assert published.status_code == 200 and published.json()["published_at"]

    async with sessions() as session:
        rows = list(await session.scalars(select(PushOutbox).where(PushOutbox.topic == "participation.offers")))
    assert len(rows) == 1
    assert rows[0].deep_link == f"stadtkern://participation/offers/{offer_id}"
    assert rows[0].audience == {"districts": ["Hörde"], "categories": ["mobility"]}
    assert rows[0].title["en"] == "New participation offer" and rows[0].body["de"] == "Radweg Hörde"

    shown = await client.get(f"{BASE}/offers/{offer_id}")
    assert shown.status_code == 200 and shown.json()["title"] == "Radweg Hörde"
    for status in ("closed", "results_published"):
        moved = await client.post(f"{BASE}/offers/{offer_id}/status", json={"status": status}, headers=staff)
        assert moved.status_code == 200 and moved.json()["status"] == status

    updated = await client.put(f"{BASE}/offers/{offer_id}", json=offer_body(capacity=12), headers=staff)
    assert updated.status_code == 200 and updated.json()["capacity"] == 12
    assert updated.json()["summary"] == {"de": "Planung", "en": "Planning"}  # staff writes answer with both


async def test_offer_validation_and_auth(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    _, device = await register_device(client)
    assert (await client.post(f"{BASE}/offers", json=offer_body(), headers=device)).status_code == 401
    staff = await staff_headers(client, sessions, grants=EDITOR)
    response = await client.post(f"{BASE}/offers", json=offer_body(districts=["Atlantis"]), headers=staff)
    assert response.status_code == 422
    assert "body.districts[0]" in response.text
    response = await client.post(f"{BASE}/offers", json=offer_body(ends_at="2030-04-01T00:00:00+02:00"), headers=staff)
    assert response.status_code == 422 and "body.ends_at" in response.text
    # found by fuzzing: the calendar's edges were stored (9999) or answered 409 (year 1 east of UTC)
    for field, value in (("starts_at", "0001-01-01T00:00:00+05:00"), ("ends_at", "9999-12-31T23:59:59+00:00")):
        response = await client.post(f"{BASE}/offers", json=offer_body(**{field: value}), headers=staff)
        assert response.status_code == 422 and f"body.{field}" in response.text, response.text


async def test_resident_filters_pagination_and_delta_sync(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    specs = [
        offer_body(topics=["mobility"], districts=["Hörde"], format="workshop"),
        offer_body(topics=["climate"], districts=["Brackel"], format="site_walk"),
        # open now: started in the past, ends in the future
        offer_body(
            topics=["parks"],
            districts=["Hörde", "Brackel"],
            format="online_survey",
            starts_at="2020-01-01T00:00:00+00:00",
            ends_at="2099-01-01T00:00:00+00:00",
        ),
    ]
    ids = []
    for body in specs:
        offer_id = (await client.post(f"{BASE}/offers", json=body, headers=staff)).json()["id"]
        await client.post(f"{BASE}/offers/{offer_id}/status", json={"status": "published"}, headers=staff)
        ids.append(offer_id)
    # a draft never shows
    await client.post(f"{BASE}/offers", json=offer_body(), headers=staff)

    async def listed(query: str) -> list[str]:
        response = await client.get(f"{BASE}/offers?{query}")
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert set(await listed("")) == set(ids)
    assert await listed("topic=climate") == [ids[1]]
    assert set(await listed("district=Hörde")) == {ids[0], ids[2]}
    assert await listed("format=site_walk") == [ids[1]]
    assert await listed("open_now=true") == [ids[2]]
    assert set(await listed("upcoming=true")) == {ids[0], ids[1]}
    assert await listed("topic=mob%25") == []  # LIKE wildcards are escaped

    first = (await client.get(f"{BASE}/offers?limit=2")).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (await client.get(f"{BASE}/offers?limit=2&cursor={first['next_cursor']}")).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert {i["id"] for i in first["items"] + second["items"]} == set(ids)

    token = first["sync_token"]
    deleted = await client.delete(f"{BASE}/offers/{ids[0]}", headers=staff)
    assert deleted.status_code == 204
    await client.put(f"{BASE}/offers/{ids[1]}", json=offer_body(capacity=5, topics=["climate"]), headers=staff)
    delta = (await client.get(f"{BASE}/offers?since={token}")).json()
    assert ids[0] in delta["deleted"]
    assert ids[1] in [i["id"] for i in delta["items"]]


async def test_other_city_does_not_see_offers(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    offer_id = (await client.post(f"{BASE}/offers", json=offer_body(), headers=staff)).json()["id"]
    await client.post(f"{BASE}/offers/{offer_id}/status", json={"status": "published"}, headers=staff)
    assert (await client.get(f"/v1/schwerte/participation/offers/{offer_id}")).status_code == 404
    assert (await client.get("/v1/schwerte/participation/offers")).json()["items"] == []


async def test_offers_speak_the_callers_language(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    body = offer_body(description={"de": "Nur auf Deutsch"})  # no English description
    offer_id = (await client.post(f"{BASE}/offers", json=body, headers=staff)).json()["id"]
    await client.post(f"{BASE}/offers/{offer_id}/status", json={"status": "published"}, headers=staff)
    english = {"Accept-Language": "en-GB,en;q=0.9"}

    shown = await client.get(f"{BASE}/offers/{offer_id}", headers=english)
    assert shown.status_code == 200
    assert shown.headers["content-language"] == "en"
    assert "accept-language" in shown.headers["vary"].lower()
    offer = shown.json()
    assert offer["title"] == "Hörde cycle lane" and offer["summary"] == "Planning"
    assert offer["description"] == "Nur auf Deutsch"  # no English text: German
    assert offer["accessibility"] == "barrierefrei"
    assert "place" in offer and offer["registration_url"] is None  # every field is sent, null when empty

    listed = await client.get(f"{BASE}/offers", headers=english)
    assert listed.headers["content-language"] == "en"
    assert [i["title"] for i in listed.json()["items"]] == ["Hörde cycle lane"]
    token = listed.json()["sync_token"]
    await client.put(f"{BASE}/offers/{offer_id}", json={**body, "summary": {"de": "Neu", "en": "New"}}, headers=staff)
    delta = await client.get(f"{BASE}/offers?since={token}", headers=english)
    assert delta.headers["content-language"] == "en"
    assert [(i["title"], i["summary"]) for i in delta.json()["items"]] == [("Hörde cycle lane", "New")]

    german = await client.get(f"{BASE}/offers/{offer_id}")  # no Accept-Language
    assert german.headers["content-language"] == "de"
    assert german.json()["title"] == "Radweg Hörde" and german.json()["summary"] == "Neu"
    assert (await client.get(f"{BASE}/offers", headers={"Accept-Language": "fr"})).json()["items"][0][
        "title"
    ] == "Radweg Hörde"
    # one ETag per language: a cached German body is never revalidated for an English caller
    etag = german.headers["etag"]
    assert (await client.get(f"{BASE}/offers/{offer_id}", headers={"If-None-Match": etag})).status_code == 304
    assert (
        await client.get(f"{BASE}/offers/{offer_id}", headers={**english, "If-None-Match": etag})
    ).status_code == 200

    # editors keep both languages, whatever their Accept-Language
    editing = (await client.get(f"{BASE}/offers/{offer_id}/edit", headers={**staff, **english})).json()
    assert editing["title"] == {"de": "Radweg Hörde", "en": "Hörde cycle lane"}
    assert editing["description"] == {"de": "Nur auf Deutsch"}
