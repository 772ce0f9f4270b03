"""Languages are data: a city that adds Turkish and Arabic in its manifest gets them everywhere.

Dortmund here publishes in ``de, en, tr, ar`` (the suite's manifest otherwise: ``de, en``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import StartupError
from core.testing import TEST_MANIFEST, staff_headers

Client = AsyncTestClient[Litestar]
FOUR_LANGUAGES = TEST_MANIFEST.read_text(encoding="utf-8").replace(
    'locales = ["de", "en"]', 'locales = ["de", "en", "tr", "ar"]', 1
)
EVENTS = "/v1/dortmund/events"
TITLE = {"de": "Stadtfest am Friedensplatz", "tr": "Friedensplatz'ta şehir festivali", "ar": "مهرجان المدينة"}


@pytest.fixture
async def city(app_factory: Callable[..., Litestar]) -> AsyncIterator[Client]:
    assert 'locales = ["de", "en", "tr", "ar"]' in FOUR_LANGUAGES
    async with AsyncTestClient(app=app_factory(FOUR_LANGUAGES)) as client:
        yield client


def _event(**overrides: Any) -> dict[str, Any]:
    day = dt.date.today() + dt.timedelta(days=3)  # inside the residents' list window
    return {
        "title": TITLE,
        "description": {"de": "Musik und Essen", "tr": "Müzik ve yemek"},
        "start": f"{day}T18:00:00",
        "end": f"{day}T23:00:00",
        "published": True,
        **overrides,
    }


def _fields(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in response.json()["errors"]}


async def test_a_turkish_title_is_served_in_turkish_with_the_primary_language_as_fallback(
    city: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(city, sessions)
    created = await city.post(f"{EVENTS}/events", json=_event(), headers=staff)
    assert created.status_code == 201, created.text
    assert created.json()["texts"]["title"] == TITLE  # editors get every language back
    url = f"{EVENTS}/events/{created.json()['id']}"

    turkish = await city.get(url, headers={"Accept-Language": "tr-TR, de;q=0.5"})
    assert turkish.json()["title"] == TITLE["tr"]
    assert turkish.json()["description"] == "Müzik ve yemek"
    arabic = await city.get(url, headers={"Accept-Language": "ar"})
    assert arabic.json()["title"] == TITLE["ar"]
    assert arabic.json()["description"] == "Musik und Essen"  # no Arabic description: the primary language
    polish = await city.get(url, headers={"Accept-Language": "pl"})  # not offered: the city's first locale
    assert polish.json()["title"] == TITLE["de"]
    english = await city.get(url, headers={"Accept-Language": "en"})  # offered, but not written: German
    assert english.json()["title"] == TITLE["de"]

    listed = await city.get(f"{EVENTS}/occurrences", headers={"Accept-Language": "tr"})
    assert [item["title"] for item in listed.json()["items"]] == [TITLE["tr"]]


async def test_texts_outside_the_citys_languages_are_refused_naming_the_field(
    city: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(city, sessions)
    polish = await city.post(f"{EVENTS}/events", json=_event(title={"de": "Stadtfest", "pl": "Festyn"}), headers=staff)
    assert _fields(polish) == {"body.title": "language pl is not offered by this city; use de, en, tr, ar"}
    no_german = await city.post(f"{EVENTS}/events", json=_event(title={"tr": "Şehir festivali"}), headers=staff)
    assert _fields(no_german) == {"body.title": "needs a text in de, the city's primary language"}
    bad_tag = await city.post(f"{EVENTS}/events", json=_event(title={"de": "x", "Deutsch": "y"}), headers=staff)
    assert list(_fields(bad_tag)) == ["body.title"]  # "Deutsch" is no language tag (msgspec's own check)
    assert (await city.get(f"{EVENTS}/occurrences")).json()["items"] == []  # nothing was stored

    offer = {
        "title": {"de": "Radweg Hörde", "tr": "Hörde bisiklet yolu"},
        "summary": {"de": "Planung", "fr": "Piste cyclable"},
        "format": "workshop",
    }
    refused = await city.post("/v1/dortmund/participation/offers", json=offer, headers=staff)
    assert _fields(refused) == {
        "body.summary": "language fr is not offered by this city; use de, en, tr, ar",
    }
    accepted = await city.post(
        "/v1/dortmund/participation/offers", json={**offer, "summary": {"de": "Planung"}}, headers=staff
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["title"] == offer["title"]

    label = {"de": "Ja", "uk": "Так"}
    survey = {
        "title": {"de": "Umfrage"},
        "questions": [
            {
                "id": "q1",
                "kind": "single_choice",
                "text": {"de": "Frage"},
                "options": [{"id": "a", "label": {"de": "A"}}, {"id": "b", "label": label}],
            }
        ],
    }
    question = await city.post("/v1/dortmund/participation/surveys", json=survey, headers=staff)
    assert list(_fields(question)) == ["body.questions[0].options[1].label"]

    push = {"topic": "push.news", "title": {"de": "Stadtfest", "ar": "مهرجان"}, "body": {"en": "Saturday"}}
    composed = await city.post("/v1/dortmund/push/notifications", json=push, headers=staff)
    assert _fields(composed) == {"body.body": "needs a text in de, the city's primary language"}


async def test_app_config_marks_right_to_left_languages(city: Client) -> None:
    body = (await city.get("/v1/dortmund/app-config")).json()
    assert body["city"]["locales"] == ["de", "en", "tr", "ar"]  # as before, for installed apps
    assert body["city"]["languages"] == [
        {"tag": "de", "dir": "ltr"},
        {"tag": "en", "dir": "ltr"},
        {"tag": "tr", "dir": "ltr"},
        {"tag": "ar", "dir": "rtl"},
    ]
    arabic = await city.get("/v1/dortmund/app-config", headers={"Accept-Language": "ar"})
    assert arabic.json()["locale"] == "ar" and arabic.headers["content-language"] == "ar"
    # module titles exist in de/en only: an Arabic reader gets the city's primary language
    assert {m["id"]: m["title"] for m in arabic.json()["modules"]}["events"] == "Veranstaltungen"


@pytest.mark.parametrize(
    ("locales", "message"),
    [
        ('["de", "en", "Türkisch"]', "tenants.dortmund.locales[2]: 'Türkisch' is not a language tag"),
        ('["de", "pt-br"]', "tenants.dortmund.locales[1]: 'pt-br' is not a language tag"),
        ('["de", "tr", "de"]', "tenants.dortmund.locales[2]: 'de' is listed twice"),
        ("[]", "tenants.dortmund.locales: list at least one language"),
    ],
)
def test_a_bad_language_in_the_manifest_stops_start_up(
    app_factory: Callable[..., Litestar], locales: str, message: str
) -> None:
    manifest = TEST_MANIFEST.read_text(encoding="utf-8").replace('locales = ["de", "en"]', f"locales = {locales}", 1)
    with pytest.raises(StartupError, match=message.replace("[", r"\[").replace("]", r"\]")):
        app_factory(manifest)


def test_a_city_may_name_any_language_tag(app_factory: Callable[..., Litestar]) -> None:
    manifest = TEST_MANIFEST.read_text(encoding="utf-8").replace(
        'locales = ["de", "en"]', 'locales = ["de", "uk", "pl", "pt-BR", "sr-Latn", "ckb"]', 1
    )
    assert app_factory(manifest) is not None
