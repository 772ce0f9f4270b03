"""Full-text search of the residents' list: stemmed German words, every word must match, prefix
for type-ahead, title above text, and the same result sets on SQLite (FTS5) and PostgreSQL (GIN)."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

import pytest
from events_testkit import event_body, local
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import search_terms
from core.testing import staff_headers

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"

EVENTS = [
    ("Sinfoniekonzert der Philharmoniker", "Beethoven und Brahms im Konzerthaus"),
    ("Konzerte im Westfalenpark", "Open-Air-Musik unter freiem Himmel"),
    ("Lesung in der Stadtbibliothek", "Ein Abend mit Konzert-Lesung und Musik"),
    ("Führung durch die Zeche Zollern", "Industriekultur für Familien"),
    ("Familienführung im Dortmunder U", "Für Kinder ab 6 Jahren"),
    ("Wochenmarkt am Hansaplatz", "Obst, Gemüse, Käse und Blumen"),
    ("Straßenfest in Hörde", "Große Bühne, Musik und Essen am Phoenix-See"),
    ("Jazz im Keller", "Konzertreihe mit Gästen aus Köln"),
]


async def _create_all(client: Client, staff: dict[str, str]) -> dict[str, str]:
    ids = {}
    for day, (title, description) in enumerate(EVENTS, start=1):
        body = event_body(
            title={"de": title, "en": title},
            description={"de": description},
            start=local(day, 19),
            end=local(day, 21),
        )
        response = await client.post(f"{BASE}/events", json=body, headers=staff)
        assert response.status_code == 201, response.text
        ids[response.json()["id"]] = title
    return ids


async def _search(client: Client, **params: Any) -> list[str]:
    response = await client.get(f"{BASE}/occurrences", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def _reference(query: str, prefix: bool = False) -> set[str]:
    """What the index must return: every query term among the event's terms (the last as a prefix)."""
    words = search_terms(query).split()
    found: set[str] = set()
    if not words:
        return found
    for title, description in EVENTS:
        terms = set(search_terms(f"{title} {title} {description} Westfalenpark Innenstadt-Ost").split())
        exact, last = (words[:-1], words[-1]) if prefix else (words, None)
        if all(w in terms for w in exact) and (last is None or any(t.startswith(last) for t in terms)):
            found.add(title)
    return found


@pytest.fixture
async def listed(client: Client, sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    return await _create_all(client, await staff_headers(client, sessions))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Konzerte", {"Konzerte im Westfalenpark", "Lesung in der Stadtbibliothek"}),  # "Konzert-Lesung"
        ("konzert", {"Konzerte im Westfalenpark", "Lesung in der Stadtbibliothek"}),
        ("Musik Konzert", {"Konzerte im Westfalenpark", "Lesung in der Stadtbibliothek"}),
        ("Führungen", {"Führung durch die Zeche Zollern"}),  # "Familienführung" is another word
        ("Familien", {"Führung durch die Zeche Zollern"}),
        ("strasse", set()),  # "Straßenfest" is one word
        ("Straßenfest", {"Straßenfest in Hörde"}),
        ("Phoenix-See", {"Straßenfest in Hörde"}),
        ("die der und", set()),  # only stop words: nothing to look for
        ("Westfalenpark", {title for title, _ in EVENTS}),  # the place is searched too
    ],
)
async def test_words_match_stemmed_and_all_of_them(
    client: Client, listed: dict[str, str], query: str, expected: set[str]
) -> None:
    found = await _search(client, q=query)
    assert set(found) == expected
    assert set(found) == _reference(query)
    assert len(found) == len(set(found))  # one occurrence each


@pytest.mark.parametrize("query", ["konz", "Sinfo", "musik frei", "zoll", "phil"])
async def test_prefix_matches_the_last_word_as_typed(client: Client, listed: dict[str, str], query: str) -> None:
    found = set(await _search(client, q=query, prefix="true"))
    assert found == _reference(query, prefix=True)
    assert found  # each of these finds something
    assert set(await _search(client, q=query)) <= found


async def test_relevance_puts_title_matches_first_and_pages_without_repeats(
    client: Client, listed: dict[str, str]
) -> None:
    ranked = await _search(client, q="konzert", prefix="true", sort="relevance")
    assert set(ranked) == _reference("konzert", prefix=True)
    title_hits = {"Konzerte im Westfalenpark", "Sinfoniekonzert der Philharmoniker"} & set(ranked)
    assert set(ranked[: len(title_hits)]) == title_hits or ranked[0] == "Konzerte im Westfalenpark"
    paged, cursor = [], None
    while True:
        params: dict[str, Any] = {"q": "konzert", "prefix": "true", "sort": "relevance", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(f"{BASE}/occurrences", params=params)
        assert response.status_code == 200, response.text
        paged += [item["title"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert paged == ranked


async def test_distance_order_pages_nearest_first(client: Client, listed: dict[str, str]) -> None:
    params: dict[str, Any] = {"lat": 51.4926, "lon": 7.4771, "radius_km": 2, "sort": "distance", "limit": 3}
    seen, cursor = [], None
    while True:
        response = await client.get(f"{BASE}/occurrences", params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        seen += [item["title"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(title for title, _ in EVENTS)  # all at the park: ties go soonest first
    assert seen == [title for title, _ in EVENTS]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "distance"}, "query.sort"),
        ({"sort": "relevance"}, "query.sort"),
        ({"sort": "popular"}, "sort"),
        ({"q": "x" * 101}, "query.q"),
    ],
)
async def test_sorts_without_what_they_need_name_the_field(client: Client, params: dict[str, str], field: str) -> None:
    response = await client.get(f"{BASE}/occurrences", params=params)
    assert response.status_code in (400, 422), response.text
    assert field in response.text


async def test_an_edited_title_is_found_by_its_new_words_only(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    created = await client.post(f"{BASE}/events", json=event_body(), headers=staff)
    event_id = created.json()["id"]
    assert await _search(client, q="Park") == ["Konzert im Park"]
    body = event_body(title={"de": "Lesenacht", "en": "Reading night"}, description={"de": "Bücher"})
    assert (await client.put(f"{BASE}/events/{event_id}", json=body, headers=staff)).status_code == 200
    assert await _search(client, q="Konzert") == []
    assert await _search(client, q="lesenacht") == ["Lesenacht"]
    assert (await client.delete(f"{BASE}/events/{event_id}", headers=staff)).status_code == 204
    assert await _search(client, q="lesenacht") == []


async def test_sqlite_vacuum_keeps_the_text_index_with_its_rows(
    client: Client, sessions: async_sessionmaker[AsyncSession], database: str
) -> None:
    """FTS5 maps by rowid like the R*Tree: after deletes and a VACUUM every word still finds its event."""
    if not database.startswith("sqlite"):
        pytest.skip("rowids are SQLite's; PostgreSQL's vector lives in the row itself")
    staff = await staff_headers(client, sessions)
    ids = await _create_all(client, staff)
    for event_id in list(ids)[::3]:
        assert (await client.delete(f"{BASE}/events/{event_id}", headers=staff)).status_code == 204
        del ids[event_id]
    with contextlib.closing(sqlite3.connect(database.removeprefix("sqlite+aiosqlite:///"))) as plain:
        plain.execute("VACUUM")
    for title in ids.values():
        assert title in await _search(client, q=title), title
    assert set(await _search(client, q="Westfalenpark")) == set(ids.values())
