"""The city's answers: status steps with de/en texts, their history, and who hears of them."""

from __future__ import annotations

import uuid

from support_ideas import BASE, EDITOR, MODERATOR, Client, Sessions, outbox, public_idea, submit

from core.testing import register_device, staff_headers

ANSWER = {"de": "Das Grünflächenamt prüft den Standort.", "en": "The parks department is checking the site."}


async def test_each_status_step_reaches_submitter_and_supporters(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    editor = await staff_headers(client, sessions, grants=EDITOR)
    author_id, author = await register_device(client)
    idea_id = await public_idea(client, author, moderator)
    supporters = []
    for _ in range(2):
        supporter_id, supporter = await register_device(client)
        supporters.append(supporter_id)
        assert (await client.post(f"{BASE}/ideas/{idea_id}/support", headers=supporter)).status_code == 200
    _, bystander = await register_device(client)

    url = f"{BASE}/ideas/{idea_id}/status"
    moved = await client.post(url, json={"status": "under_review", "answer": ANSWER}, headers=editor)
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "under_review" and moved.json()["answer"] == ANSWER

    pushes = await outbox(sessions)
    # acceptance told the author; the status step told the author and both supporters, nobody else
    assert [p.audience["device_ids"] for p in pushes] == [[author_id], sorted([author_id, *supporters])]
    assert pushes[1].title == {"de": "Idee wird geprüft", "en": "Idea under review"}
    assert pushes[1].deep_link == f"stadtkern://ideas/ideas/{idea_id}"

    english = (await client.get(f"{BASE}/ideas/{idea_id}", headers={"Accept-Language": "en"})).json()
    assert english["idea"]["answer"] == ANSWER["en"]
    assert [s["status"] for s in english["history"]] == ["received", "under_review"]
    german = (await client.get(f"{BASE}/ideas/{idea_id}", headers=bystander)).json()
    assert german["idea"]["answer"] == ANSWER["de"] and german["history"][1]["answer"] == ANSWER["de"]

    done = {"de": "Umgesetzt im Mai.", "en": "Implemented in May."}
    assert (await client.post(url, json={"status": "implemented", "answer": done}, headers=editor)).status_code == 200
    back = await client.post(url, json={"status": "under_review", "answer": ANSWER}, headers=editor)
    assert back.status_code == 409  # an implemented idea is done
    assert len(await outbox(sessions)) == 3
    filtered = (await client.get(f"{BASE}/ideas?status=implemented")).json()["items"]
    assert [i["id"] for i in filtered] == [idea_id]
    history = (await client.get(f"{BASE}/ideas/{idea_id}/history", headers=moderator)).json()
    assert [h["answer"] for h in history] == [None, ANSWER, done] and all(h["changed_by"] for h in history)


async def test_status_needs_a_public_idea_an_editor_and_a_german_answer(client: Client, sessions: Sessions) -> None:
    editor = await staff_headers(client, sessions, grants=EDITOR)
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, author = await register_device(client)
    pending = await submit(client, author)
    body = {"status": "under_review", "answer": ANSWER}
    assert (await client.post(f"{BASE}/ideas/{pending}/status", json=body, headers=editor)).status_code == 409
    idea_id = await public_idea(client, author, moderator)
    url = f"{BASE}/ideas/{idea_id}/status"
    assert (await client.post(url, json=body, headers=moderator)).status_code == 403  # moderators moderate
    assert (await client.post(url, json=body, headers=author)).status_code == 401
    english_only = await client.post(url, json={**body, "answer": {"en": "Checking."}}, headers=editor)
    assert english_only.status_code == 422 and english_only.json()["errors"][0]["field"] == "body.answer"
    unknown = await client.post(url, json={**body, "status": "archived"}, headers=editor)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.status"
    missing = await client.post(f"{BASE}/ideas/{uuid.uuid4()}/status", json=body, headers=editor)
    assert missing.status_code == 404
    # the queue and decisions are the moderators'; editors of the module do not moderate
    assert (await client.get(f"{BASE}/moderation", headers=editor)).status_code == 403
    assert len(await outbox(sessions)) == 1  # only the acceptance
