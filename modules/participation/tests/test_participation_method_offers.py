"""Offers and method cards: an offer names its card (of the same city), the card lists its public offers
and its examples' offers with their surveys; the demo toolbox is seeded once."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_participation.models import MethodCard, Offer
from support_participation import BASE, EDITOR, create_survey, method_body, offer_body

from core.seed import seed_all
from core.testing import make_settings, run_seed, staff_headers

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


async def _publish(client: Client, staff: dict[str, str], offer_id: str, *steps: str) -> None:
    for status in steps:
        response = await client.post(f"{BASE}/offers/{offer_id}/status", json={"status": status}, headers=staff)
        assert response.status_code == 200, response.text


async def test_offers_name_their_card_and_the_card_lists_public_offers(client: Client, sessions: Sessions) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    card_id = (await client.post(f"{BASE}/methods", json=method_body(), headers=staff)).json()["id"]
    created = await client.post(f"{BASE}/offers", json=offer_body(method_id=card_id), headers=staff)
    assert created.status_code == 201 and created.json()["method_id"] == card_id
    used = created.json()["id"]
    draft = (await client.post(f"{BASE}/offers", json=offer_body(method_id=card_id), headers=staff)).json()["id"]
    past = (await client.post(f"{BASE}/offers", json=offer_body(title={"de": "Früher"}), headers=staff)).json()["id"]
    await _publish(client, staff, used, "published")
    await _publish(client, staff, past, "published", "closed", "results_published")
    survey_id = await create_survey(client, staff, offer_id=past)
    await create_survey(client, staff, publish=False, offer_id=past)  # a draft survey is not named

    english = {"Accept-Language": "en"}
    shown = (await client.get(f"{BASE}/offers/{used}", headers=english)).json()
    assert shown["method"] == {"id": card_id, "name": "Citizens' assembly"}
    listed = (await client.get(f"{BASE}/offers")).json()["items"]
    assert {i["id"]: i["method"] for i in listed} == {used: {"id": card_id, "name": "Bürgerrat"}, past: None}

    # the card names a past offer and its results as best-practice example
    examples = [{"text": {"de": "Wie es lief"}, "offer_id": past}, {"text": {"de": "Entwurf"}, "offer_id": draft}]
    changed = await client.put(f"{BASE}/methods/{card_id}", json=method_body(examples=examples), headers=staff)
    assert changed.status_code == 200, changed.text
    card = (await client.get(f"{BASE}/methods/{card_id}", headers=english)).json()
    assert [(o["id"], o["title"], o["status"]) for o in card["offers"]] == [(used, "Hörde cycle lane", "published")]
    assert card["examples"][0]["offer"]["id"] == past and card["examples"][0]["offer"]["survey_ids"] == [survey_id]
    assert card["examples"][0]["offer"]["status"] == "results_published"
    assert card["examples"][1]["offer"] is None  # a draft stays hidden
    assert (await client.get(f"{BASE}/methods/{card_id}/edit", headers=staff)).json()["examples"][1][
        "offer_id"
    ] == draft

    # deleting the card: its offers name none, and say so in the delta
    token = (await client.get(f"{BASE}/offers")).json()["sync_token"]
    assert (await client.delete(f"{BASE}/methods/{card_id}", headers=staff)).status_code == 204
    assert (await client.get(f"{BASE}/offers/{used}")).json()["method"] is None
    delta = (await client.get(f"{BASE}/offers?since={token}")).json()["items"]
    assert used in [i["id"] for i in delta] and draft not in [i["id"] for i in delta]
    assert (await client.get(f"{BASE}/offers/{draft}/edit", headers=staff)).json()["method_id"] is None


async def test_an_offer_names_only_a_card_of_its_own_city(client: Client, sessions: Sessions) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    other = await staff_headers(client, sessions, "schwerte", grants=EDITOR)
    theirs = await client.post("/v1/schwerte/participation/methods", json=method_body(), headers=other)
    assert theirs.status_code == 201, theirs.text
    for method_id in (theirs.json()["id"], "0190f3a2-0000-7000-8000-000000000000"):
        response = await client.post(f"{BASE}/offers", json=offer_body(method_id=method_id), headers=staff)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["body.method_id"]
    offer_id = (await client.post(f"{BASE}/offers", json=offer_body(), headers=staff)).json()["id"]
    moved = await client.put(f"{BASE}/offers/{offer_id}", json=offer_body(method_id=theirs.json()["id"]), headers=staff)
    assert moved.status_code == 422 and "body.method_id" in moved.text
    # nor may Schwerte's card name a Dortmund offer as its example
    example = method_body(examples=[{"text": {"de": "x"}, "offer_id": offer_id}])
    response = await client.put(
        f"/v1/schwerte/participation/methods/{theirs.json()['id']}", json=example, headers=other
    )
    assert response.status_code == 422 and "body.examples[0].offer_id" in response.text


async def test_demo_toolbox_is_seeded_once_and_linked_to_demo_offers(
    database: str, app: Litestar, client: Client, sessions: Sessions
) -> None:
    await run_seed(app, sessions, "participation", "dortmund")
    await seed_all(make_settings(database))  # what a restart runs: the module has rows, nothing is added
    async with sessions() as session:
        cards = await session.scalar(
            select(func.count()).select_from(MethodCard).where(MethodCard.tenant_id == "dortmund")
        )
        offers = await session.scalar(select(func.count()).select_from(Offer).where(Offer.tenant_id == "dortmund"))
        assert (cards, offers) == (12, 2)
        assert (
            await session.scalar(select(func.count()).select_from(MethodCard).where(MethodCard.tenant_id != "dortmund"))
            == 0
        )

    page = (await client.get(f"{BASE}/methods?limit=50")).json()["items"]
    names = [i["name"] for i in page]
    assert names == sorted(names, key=str.lower) and len(names) == 12
    assert {"Bürgerrat", "Zukunftswerkstatt", "Planungszelle", "World Café", "Online-Umfrage", "Ortsbegehung"} <= set(
        names
    )
    english = (await client.get(f"{BASE}/methods?limit=50", headers={"Accept-Language": "en"})).json()["items"]
    assert "Citizens' assembly" in [i["name"] for i in english]
    found = (await client.get(f"{BASE}/methods?q=ausgelosten Bürgerräte")).json()["items"]
    assert [i["name"] for i in found] == ["Bürgerrat"]
    assert {i["name"] for i in (await client.get(f"{BASE}/methods?mode=digital")).json()["items"]} == {"Online-Umfrage"}

    by_name = {i["name"]: i["id"] for i in page}
    survey = (await client.get(f"{BASE}/methods/{by_name['Online-Umfrage']}")).json()
    assert [o["title"] for o in survey["offers"]] == ["Neugestaltung Westpark"]
    assert survey["examples"][0]["offer"]["title"] == "Neugestaltung Westpark"
    assert len(survey["examples"][0]["offer"]["survey_ids"]) == 1
    walk = (await client.get(f"{BASE}/methods/{by_name['Ortsbegehung']}")).json()
    assert [(o["title"], o["status"]) for o in walk["offers"]] == [("Ortsbegehung Radachse Hörde", "results_published")]
    assert all(len(card_steps) >= 3 for card_steps in [walk["steps"], survey["steps"]])
    assert (await client.get("/v1/schwerte/participation/methods")).json()["items"] == []
