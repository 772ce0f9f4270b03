"""Surveys: question types, validation naming the question, eligibility, open times, one response
per device (across API processes), unlinkability of answers (columns, ids, storage order, PostgreSQL
transaction ids), results and CSV export."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import random
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_participation.anonymity import reorder_anonymous
from stadtkern_participation.models import Marker
from stadtkern_participation.settings import ParticipationSettings
from support_participation import BASE, EDITOR, QUESTIONS, answers, create_survey, t

from core.api import JobContext, ModuleKeys
from core.api.tenancy import sessions_for_city
from core.testing import TEST_SECRET_KEY, register_device, staff_headers, tenant_info
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
    # q6 is optional and hidden when q5 is no: accepted without it
    ok = await client.post(url, json={"answers": answers(q5=False, q6=None)}, headers=device)
    assert ok.status_code == 201, ok.text


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


async def test_one_response_per_device_and_unlinkable(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff)
    url = f"{BASE}/surveys/{survey_id}/responses"
    devices = [await register_device(client) for _ in range(3)]
    for _, headers in devices:
        response = await client.post(url, json={"answers": answers()}, headers=headers)
        assert response.status_code == 201, response.text
    again = await client.post(url, json={"answers": answers(q1="b")}, headers=devices[0][1])
    assert again.status_code == 409
    # another survey: the same device may answer it
    other = await create_survey(client, staff)
    assert (
        await client.post(f"{BASE}/surveys/{other}/responses", json={"answers": answers()}, headers=devices[0][1])
    ).status_code == 201

    device_ids = {uuid.UUID(d) for d, _ in devices}
    needles = {str(d) for d in device_ids} | {d.hex for d in device_ids}
    async with sessions() as session:

        def columns(sync: Any, table: str) -> dict[str, Any]:
            return {c["name"]: c["type"] for c in inspect(sync).get_columns(table)}

        conn = await session.connection()
        response_cols = await conn.run_sync(columns, "participation_response")
        marker_cols = await conn.run_sync(columns, "participation_marker")
        # the answers table: no device, account, address or time-of-day column
        assert set(response_cols) == {"id", "sa_orm_sentinel", "tenant_id", "survey_id", "submitted_on", "answers"}
        assert "DATE" in str(response_cols["submitted_on"]).upper()
        # the marker table holds no response id and no time at all
        assert set(marker_cols) == {"id", "sa_orm_sentinel", "survey_id", "marker"}

        responses = (await session.execute(text("SELECT * FROM participation_response"))).mappings().all()
        markers = (await session.execute(text("SELECT * FROM participation_marker"))).mappings().all()
        assert len(responses) == 4 and len(markers) == 4
        marker_values = {str(m["marker"]) for m in markers}
        marker_ids = {str(m["id"]) for m in markers}
        for row in responses:
            dumped = " ".join(str(v) for v in row.values()).lower()
            for needle in needles | marker_values | marker_ids:
                assert needle.lower() not in dumped
            rid = uuid.UUID(bytes=row["id"]) if isinstance(row["id"], bytes) else uuid.UUID(str(row["id"]))
            assert rid.version == 4  # random, not time-ordered like UUIDv7
            assert isinstance(row["submitted_on"], (dt.date, str))
            assert len(str(row["submitted_on"])) == 10  # a day, nothing finer
        for m in markers:
            dumped = " ".join(str(v) for v in m.values()).lower()
            assert not any(n.lower() in dumped for n in needles)
        # marker ids and response ids share nothing
        response_ids = {str(r["id"]) for r in responses}
        assert not (response_ids & marker_ids)


async def test_one_response_per_device_across_api_processes(
    app_factory: Callable[..., Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Two API processes behind a load balancer (two apps over one database, one deployment secret):
    a device that answered through one is refused by the other, whichever comes first."""
    async with AsyncTestClient(app=app_factory()) as one, AsyncTestClient(app=app_factory()) as two:
        staff = await staff_headers(one, sessions, grants=EDITOR)
        survey_id = await create_survey(one, staff)
        url = f"{BASE}/surveys/{survey_id}/responses"
        first_id, first = await register_device(one)
        second_id, second = await register_device(two)
        assert (await one.post(url, json={"answers": answers()}, headers=first)).status_code == 201
        again = await two.post(url, json={"answers": answers(q1="b")}, headers=first)
        assert again.status_code == 409, again.text
        assert again.headers["content-type"].startswith("application/problem+json")
        assert "already answered" in again.json()["detail"]
        assert (await two.post(url, json={"answers": answers()}, headers=second)).status_code == 201
        assert (await one.post(url, json={"answers": answers()}, headers=second)).status_code == 409
        # the device's export (recomputing the marker) works through either process
        for client in (one, two):
            assert (await client.get(f"{BASE}/me", headers=first)).json()["answered_surveys"] == [survey_id]
        # a device sending its answer several times at once, to both processes: exactly one counts
        _, racer = await register_device(one)
        racing = await asyncio.gather(
            *(client.post(url, json={"answers": answers()}, headers=racer) for client in (one, two, one, two, one, two))
        )
        assert sorted(r.status_code for r in racing) == [201, 409, 409, 409, 409, 409]

    # The marker is keyed with the key the core derives from STADTKERN_SECRET_KEY for this module, so
    # every process of the deployment (and a restarted one) computes the same value.
    key = ModuleKeys("participation", TEST_SECRET_KEY).derive("marker")
    expected = {
        hmac.new(key, uuid.UUID(survey_id).bytes + uuid.UUID(device).bytes, hashlib.sha256).hexdigest()
        for device in (first_id, second_id)
    }
    async with sessions() as session:
        assert expected <= set(await session.scalars(select(Marker.marker)))
        assert await session.scalar(text("SELECT count(*) FROM participation_marker")) == 3
        assert await session.scalar(text("SELECT count(*) FROM participation_response")) == 3


def _rank_correlation(sequence: list[int]) -> float:
    """Spearman's rho between positions and values of a permutation of 0..n-1."""
    n = len(sequence)
    return 1 - 6 * sum((position - value) ** 2 for position, value in enumerate(sequence)) / (n * (n * n - 1))


def _job_ctx(sessions: async_sessionmaker[AsyncSession]) -> JobContext[ParticipationSettings]:
    return JobContext(
        module_id="participation",
        job_id="anonymity-reorder",
        tenant=tenant_info("dortmund"),
        settings=ParticipationSettings(),
        session_factory=sessions_for_city(sessions, "dortmund"),
        push=None,  # type: ignore[arg-type]
        log=logging.getLogger("test"),
        keys=ModuleKeys("participation", TEST_SECRET_KEY),
    )


async def test_storage_order_does_not_link_answers_to_devices(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """40 devices answer in a known order, each opting in to the results push. Read straight from the
    tables (as from a dump), the physical order of the answers is not the order in which the devices
    answered, and lining up answers with markers or result subscriptions by position (or, on
    PostgreSQL, by the inserting transaction's id) pairs them no better than chance."""
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff)
    url = f"{BASE}/surveys/{survey_id}/responses"
    devices = [(await register_device(client))[::-1] for _ in range(40)]
    random.Random(5).shuffle(devices)  # answering order != registration order (UUIDv7 device ids)
    for turn, (headers, _) in enumerate(devices):
        # the free text tells the test which turn an answer was given in
        body = {"answers": answers(q6=f"turn {turn:02d}"), "notify_results": True}
        assert (await client.post(url, json=body, headers=headers)).status_code == 201
    key = ModuleKeys("participation", TEST_SECRET_KEY).derive("marker")
    turn_of_marker = {
        hmac.new(key, uuid.UUID(survey_id).bytes + uuid.UUID(d).bytes, hashlib.sha256).hexdigest(): turn
        for turn, (_, d) in enumerate(devices)
    }
    turn_of_device = {uuid.UUID(d): turn for turn, (_, d) in enumerate(devices)}

    def turn_of_answer(answers_value: Any) -> int:
        stored = json.loads(answers_value) if isinstance(answers_value, str) else answers_value
        return int(stored["q6"].split()[1])

    def as_uuid(value: Any) -> uuid.UUID:
        return uuid.UUID(bytes=value) if isinstance(value, bytes) else uuid.UUID(str(value))

    async with sessions() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        # physical order: PostgreSQL heap order (ctid); SQLite table b-tree order (a scan, no index)
        physical = "ORDER BY ctid" if postgres else "NOT INDEXED"

        def scan(column: str, table: str) -> Any:
            return text(f"SELECT {column} FROM {table} {physical}")  # noqa: S608 (fixed names)

        async def in_storage_order() -> tuple[list[int], list[int], list[int]]:
            responses = await session.execute(scan("answers", "participation_response"))
            markers = await session.execute(scan("marker", "participation_marker"))
            subscriptions = await session.execute(scan("device_id", "participation_result_subscription"))
            await session.commit()
            return (
                [turn_of_answer(r[0]) for r in responses],
                [turn_of_marker[str(m[0])] for m in markers],
                [turn_of_device[as_uuid(s[0])] for s in subscriptions],
            )

        async def linked_by_transaction() -> int:
            """Answers a subscribed device gave, found by joining on the inserting transaction."""
            rows = await session.execute(
                text(
                    "SELECT s.device_id, r.answers FROM participation_result_subscription s "
                    "JOIN participation_response r ON r.xmin::text = s.xmin::text"
                )
            )
            pairs = [(turn_of_device[as_uuid(d)], turn_of_answer(a)) for d, a in rows]
            await session.commit()
            unique = Counter(device for device, _ in pairs)
            return sum(1 for device, answer in pairs if device == answer and unique[device] == 1)

        if postgres:
            # the problem the job solves: straight after the submissions, storage lines everything up
            responses, markers, subscriptions = await in_storage_order()
            assert responses == markers == subscriptions == list(range(40))
            assert await linked_by_transaction() == 40
        else:
            sql = await session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'participation_response'"))
            assert "WITHOUT ROWID" in str(sql).upper()
            with pytest.raises(OperationalError, match="rowid"):
                await session.execute(text("SELECT rowid FROM participation_response"))
            await session.rollback()

        await reorder_anonymous(_job_ctx(sessions))

        responses, markers, subscriptions = await in_storage_order()
        by_key = await session.execute(text("SELECT answers FROM participation_response ORDER BY id"))
        by_id = [turn_of_answer(r[0]) for r in by_key]
        await session.commit()
        assert sorted(responses) == sorted(markers) == sorted(subscriptions) == list(range(40))
        for order in (responses, by_id):
            assert order != list(range(40))
            assert abs(_rank_correlation(order)) < 0.7, order  # |rho| >= 0.7 by chance: p < 1e-5
        for other in (markers, subscriptions):  # k-th answer vs k-th marker / subscription
            assert sum(1 for a, b in zip(responses, other, strict=True) if a == b) <= 8, (responses, other)
        if postgres:
            assert responses == by_id  # clustered on the random key
            assert await linked_by_transaction() == 0  # one transaction id for all of them
            # nothing new: the next run changes nothing
            xmins = await session.scalar(text("SELECT count(DISTINCT xmin::text) FROM participation_response"))
            assert xmins == 1
            await session.commit()
            await reorder_anonymous(_job_ctx(sessions))
            assert (await in_storage_order())[0] == responses
            # later answers are linked until the next run, which takes care of them too
            for turn in range(40, 45):
                device_id, headers = await register_device(client)
                body = {"answers": answers(q6=f"turn {turn:02d}"), "notify_results": True}
                assert (await client.post(url, json=body, headers=headers)).status_code == 201
                turn_of_device[uuid.UUID(device_id)] = turn
            assert await linked_by_transaction() == 5
            await reorder_anonymous(_job_ctx(sessions))
            assert await linked_by_transaction() == 0
            later = await session.execute(text("SELECT answers FROM participation_response ORDER BY ctid"))
            assert [turn_of_answer(r[0]) for r in later][-5:] != list(range(40, 45))  # not appended at the end
            await session.commit()


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
    assert ok.status_code == 201, ok.text

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
        assert response.status_code == 201, response.text
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
    assert public["responses"] == 3
    assert "texts" not in {k for q in public["questions"] for k in q}  # free text only for staff

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
    assert (await client.get(f"{BASE}/surveys/{live}/results")).json()["responses"] == 0


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
