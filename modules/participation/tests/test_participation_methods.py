"""The Instrumentenkoffer: method cards' staff CRUD and checks, German search, filters, paging, delta
sync, cities kept apart, and hostile input answered with 4xx."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from support_participation import BASE, EDITOR, method_body

from core.testing import register_device, staff_headers

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


def fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in response.json()["errors"]]


async def test_card_lifecycle_languages_and_delta_sync(client: Client, sessions: Sessions) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    created = await client.post(f"{BASE}/methods", json=method_body(), headers=staff)
    assert created.status_code == 201, created.text
    card = created.json()
    assert card["name"] == {"de": "Bürgerrat", "en": "Citizens' assembly"}
    assert card["steps"][1] == {"de": "Losen", "en": "Draw"} and card["templates"][0]["url"].startswith("https://")
    card_id = card["id"]

    english = await client.get(f"{BASE}/methods/{card_id}", headers={"Accept-Language": "en"})
    assert english.status_code == 200 and english.headers["content-language"] == "en"
    shown = english.json()
    assert shown["name"] == "Citizens' assembly" and shown["steps"] == ["Agree the question", "Draw", "Deliberate"]
    assert shown["needs"] == "Moderation und Räume"  # no English text: German
    assert shown["templates"] == [{"title": "Invitation", "url": "https://example.org/einladung.docx"}]
    assert shown["examples"] == [{"text": "Bürgerrat Klima 2021", "offer": None, "url": None}]
    assert shown["offers"] == [] and shown["accessibility"] == ["step_free", "childcare"]
    etag = english.headers["etag"]
    again = await client.get(f"{BASE}/methods/{card_id}", headers={"Accept-Language": "en", "If-None-Match": etag})
    assert again.status_code == 304

    listed = await client.get(f"{BASE}/methods")
    assert listed.status_code == 200 and listed.headers["content-language"] == "de"
    assert [(i["name"], i["mode"], i["group_max"]) for i in listed.json()["items"]] == [("Bürgerrat", "hybrid", 160)]
    token = listed.json()["sync_token"]

    editing = await client.get(f"{BASE}/methods/{card_id}/edit", headers=staff)
    assert editing.status_code == 200 and editing.json()["needs"] == {"de": "Moderation und Räume"}
    assert (await client.get(f"{BASE}/methods/{card_id}/edit")).status_code == 401
    replaced = await client.put(f"{BASE}/methods/{card_id}", json=method_body(effort="medium", steps=[]), headers=staff)
    assert replaced.status_code == 200 and replaced.json()["effort"] == "medium" and replaced.json()["steps"] == []
    other = (await client.post(f"{BASE}/methods", json=method_body(name={"de": "Fishbowl"}), headers=staff)).json()

    assert (await client.delete(f"{BASE}/methods/{other['id']}", headers=staff)).status_code == 204
    assert (await client.get(f"{BASE}/methods/{other['id']}")).status_code == 404
    delta = (await client.get(f"{BASE}/methods?since={token}")).json()
    assert [i["effort"] for i in delta["items"]] == ["medium"] and delta["deleted"] == [other["id"]]


async def test_writes_need_an_editor_and_checks_name_the_field(client: Client, sessions: Sessions) -> None:
    _, device = await register_device(client)
    assert (await client.post(f"{BASE}/methods", json=method_body(), headers=device)).status_code == 401
    assert (await client.post(f"{BASE}/methods", json=method_body())).status_code == 401
    staff = await staff_headers(client, sessions, grants=EDITOR)
    post = f"{BASE}/methods"
    assert fields(await client.post(post, json=method_body(group_min=50, group_max=10), headers=staff)) == [
        "body.group_max"
    ]
    assert fields(await client.post(post, json=method_body(name={"en": "No German"}), headers=staff)) == ["body.name"]
    bad_step = method_body(steps=[{"de": "Eins"}, {"de": "Zwei", "fr": "Deux"}])
    assert fields(await client.post(post, json=bad_step, headers=staff)) == ["body.steps[1]"]
    unknown = "0190f3a2-0000-7000-8000-000000000000"
    examples = [{"text": {"de": "ok"}}, {"text": {"de": "weg"}, "offer_id": unknown}]
    assert fields(await client.post(post, json=method_body(examples=examples), headers=staff)) == [
        "body.examples[1].offer_id"
    ]
    # hostile input: 4xx, never 500 (NUL, huge strings, out-of-range numbers, unknown enum values)
    hostile = [
        method_body(name={"de": "Bürger\x00rat"}),
        method_body(name={"de": "x" * 201}),
        method_body(summary={"de": "x" * 20_001}),
        method_body(group_max=10**12),
        method_body(mode="telepathic"),
        method_body(templates=[{"title": {"de": "t"}, "url": "javascript:alert(1)"}]),
        method_body(steps=[{"de": "s"}] * 31),
        {**method_body(), "unexpected": 1},
    ]
    for body in hostile:
        response = await client.post(post, json=body, headers=staff)
        assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
    for query in ("q=" + "a" * 101, "group_size=0", "group_size=99999999999999999999", "mode=x", "q=%00"):
        response = await client.get(f"{BASE}/methods?{query}")
        assert 400 <= response.status_code < 500, (query, response.text)
    assert (await client.get(f"{BASE}/methods?group_size=0")).json()["errors"][0]["field"] == "query.group_size"


async def _cards(client: Client, staff: dict[str, str]) -> dict[str, str]:
    specs = {
        "rat": method_body(),
        "cafe": method_body(
            name={"de": "World Café", "en": "World Café"},
            summary={"de": "Gespräche an Tischen in wechselnden Runden"},
            mode="analogue",
            group_min=12,
            group_max=200,
            duration="hours",
            effort="low",
            accessibility=["multilingual"],
            examples=[],
            steps=[{"de": "Gastgebende fassen zusammen"}],
        ),
        "umfrage": method_body(
            name={"de": "Online-Umfrage", "en": "Online survey"},
            summary={"de": "Ein Fragebogen in der App für viele Menschen"},
            mode="digital",
            group_min=50,
            group_max=None,
            duration="weeks",
            effort="low",
            accessibility=["remote"],
            examples=[],
            steps=[],
        ),
        "zelle": method_body(
            name={"de": "Planungszelle", "en": "Planning cell"},
            summary={"de": "Ausgeloste schreiben ein Bürgergutachten über Planungen"},
            mode="analogue",
            group_min=20,
            group_max=25,
            duration="several_days",
            effort="high",
            accessibility=["step_free"],
            examples=[],
        ),
    }
    ids = {}
    for key, body in specs.items():
        response = await client.post(f"{BASE}/methods", json=body, headers=staff)
        assert response.status_code == 201, response.text
        ids[key] = response.json()["id"]
    return ids


async def test_german_search_filters_and_paging(client: Client, sessions: Sessions) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    ids = await _cards(client, staff)

    async def listed(query: str) -> list[str]:
        response = await client.get(f"{BASE}/methods?{query}")
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    # by name, in the city's primary language: Bürgerrat, Online-Umfrage, Planungszelle, World Café
    assert await listed("") == [ids["rat"], ids["umfrage"], ids["zelle"], ids["cafe"]]
    # German word stems: plural and inflected forms find the card, in the name and in the texts
    assert await listed("q=Bürgerräte") == [ids["rat"]]
    assert await listed("q=Planungszellen") == [ids["zelle"]]
    assert await listed("q=Gespräch") == [ids["cafe"]]
    assert await listed("q=Fragebögen") == await listed("q=Fragebogens") == [ids["umfrage"]]
    assert set(await listed("q=Bürgergutachten")) == {ids["zelle"]}
    assert await listed("q=Tischen Runde") == [ids["cafe"]]  # every word must match
    assert await listed("q=Tischen Planung") == []
    assert await listed("q=der die das") == []  # stop words only: nothing
    assert await listed("q=Citizens") == [ids["rat"]]  # every language is searched

    assert await listed("mode=analogue") == [ids["zelle"], ids["cafe"]]
    assert await listed("group_size=22") == [ids["rat"], ids["zelle"], ids["cafe"]]
    assert await listed("group_size=180") == [ids["umfrage"], ids["cafe"]]
    assert await listed("group_size=5") == []
    assert await listed("duration=hours") == [ids["cafe"]]
    assert await listed("max_duration=several_days") == [ids["zelle"], ids["cafe"]]
    assert await listed("effort=low") == [ids["umfrage"], ids["cafe"]]
    assert await listed("max_effort=medium") == [ids["umfrage"], ids["cafe"]]
    assert await listed("accessibility=step_free") == [ids["rat"], ids["zelle"]]
    assert await listed("mode=analogue&effort=high&q=Planung") == [ids["zelle"]]

    first = (await client.get(f"{BASE}/methods?limit=3")).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = (await client.get(f"{BASE}/methods?limit=3&cursor={first['next_cursor']}")).json()
    assert [i["id"] for i in second["items"]] == [ids["cafe"]] and second["next_cursor"] is None

    # a changed card is found by its new words only
    changed = method_body(summary={"de": "Losverfahren und Empfehlungen"}, steps=[])
    assert (await client.put(f"{BASE}/methods/{ids['rat']}", json=changed, headers=staff)).status_code == 200
    assert await listed("q=Empfehlung") == [ids["rat"]] and await listed("q=Deliberate") == [ids["zelle"]]
    assert (await client.delete(f"{BASE}/methods/{ids['rat']}", headers=staff)).status_code == 204
    assert await listed("q=Empfehlung") == []


async def test_another_city_neither_sees_nor_edits_the_cards(client: Client, sessions: Sessions) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    card_id = (await client.post(f"{BASE}/methods", json=method_body(), headers=staff)).json()["id"]
    schwerte = "/v1/schwerte/participation"
    assert (await client.get(f"{schwerte}/methods/{card_id}")).status_code == 404
    assert (await client.get(f"{schwerte}/methods")).json()["items"] == []
    assert (await client.get(f"{schwerte}/methods?q=Bürgerrat")).json()["items"] == []
    other = await staff_headers(client, sessions, "schwerte", grants=EDITOR)
    assert (await client.get(f"{schwerte}/methods/{card_id}/edit", headers=other)).status_code == 404
    assert (await client.put(f"{schwerte}/methods/{card_id}", json=method_body(), headers=other)).status_code == 404
    assert (await client.delete(f"{schwerte}/methods/{card_id}", headers=other)).status_code == 404
    # Dortmund's routes refuse Schwerte's editor
    assert (await client.put(f"{BASE}/methods/{card_id}", json=method_body(), headers=other)).status_code == 403
    assert (await client.delete(f"{BASE}/methods/{card_id}", headers=other)).status_code == 403
    editing = await client.get(f"{BASE}/methods/{card_id}/edit", headers=staff)
    assert editing.status_code == 200 and editing.json()["name"]["de"] == "Bürgerrat"
