"""Results that do not reveal a person: nothing public below ``results_min_responses``, public
figures that move only in steps of ``results_step`` answers, per-question figures withheld when few
answered it; editors see exact figures."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from support_participation import BASE, EDITOR, create_survey, t

from core.testing import register_device, staff_headers

QUESTIONS: list[dict[str, Any]] = [
    {"id": "often", "kind": "yes_no", "text": t("Oft?")},
    {
        "id": "why",
        "kind": "single_choice",
        "text": t("Warum?"),
        "options": [{"id": "work", "label": t("Arbeit")}, {"id": "fun", "label": t("Freizeit")}],
        "show_if": {"question": "often", "any_of": ["yes"]},
    },
    {"id": "note", "kind": "free_text", "text": t("Noch etwas?"), "required": False},
]


def _yes_count(result: dict[str, Any]) -> int:
    often = next(q for q in result["questions"] if q["id"] == "often")
    return int(next(o["count"] for o in often["options"] if o["id"] == "yes"))


async def test_live_results_need_five_answers_and_move_in_steps(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff, questions=QUESTIONS, results_visibility="live")
    url, results = f"{BASE}/surveys/{survey_id}/responses", f"{BASE}/surveys/{survey_id}/results"

    async def answer(often: bool) -> None:
        _, device = await register_device(client)
        body = {"answers": {"often": often, "note": "nur für die Stadt", **({"why": "fun"} if often else {})}}
        assert (await client.post(url, json=body, headers=device)).status_code == 200

    await answer(True)
    public = (await client.get(results)).json()
    # one answer: nothing about it, not even the count
    assert public == {"survey_id": survey_id, "status": "published", "withheld": True, "min_responses": 5}
    assert (await client.get(results, headers=staff)).json()["responses"] == 1  # editors: exact
    for _ in range(3):
        await answer(False)
    assert (await client.get(results)).json()["withheld"] is True
    await answer(False)  # the fifth
    first = (await client.get(results)).json()
    assert first["responses"] == 5 and _yes_count(first) == 1
    why = next(q for q in first["questions"] if q["id"] == "why")
    assert why == {"id": "why", "kind": "single_choice", "answered": 1, "withheld": True}  # 1 < 5 answered it

    # four more: the public figures stand still, so no poll isolates one of them
    for often in (True, False, True, True):
        await answer(often)
        assert (await client.get(results)).json() == first
        assert (await client.get(results, headers=staff)).json()["responses"] > 5
    await answer(True)  # the tenth: the figures move by five answers at once
    second = (await client.get(results)).json()
    assert second["responses"] == 10 and _yes_count(second) == 5
    note = next(q for q in second["questions"] if q["id"] == "note")
    assert note == {"id": "note", "kind": "free_text", "answered": 10}  # free text: editors only
    staff_note = next(q for q in (await client.get(results, headers=staff)).json()["questions"] if q["id"] == "note")
    assert staff_note["texts"] == ["nur für die Stadt"] * 10
    why = next(q for q in second["questions"] if q["id"] == "why")
    assert {o["id"]: o["count"] for o in why["options"]} == {"work": 0, "fun": 5}


async def test_results_after_close_need_five_answers(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff, questions=QUESTIONS, results_visibility="after_close")
    for _ in range(4):
        _, device = await register_device(client)
        body = {"answers": {"often": False}}
        assert (await client.post(f"{BASE}/surveys/{survey_id}/responses", json=body, headers=device)).is_success
    await client.post(f"{BASE}/surveys/{survey_id}/status", json={"status": "closed"}, headers=staff)
    public = (await client.get(f"{BASE}/surveys/{survey_id}/results")).json()
    assert public["withheld"] is True and "questions" not in public
