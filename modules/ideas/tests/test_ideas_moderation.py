"""Running a thread: the city's answers, hide/restore/lock with logged reasons, reports, rate limits."""

from __future__ import annotations

import uuid

from support_ideas import BASE, MODERATOR, Client, Sessions, public_idea

from core.testing import register_device, staff_headers


async def _open(client: Client, sessions: Sessions) -> tuple[str, dict[str, str]]:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, author = await register_device(client)
    idea_id = await public_idea(client, author, moderator)
    assert (
        await client.put(f"{BASE}/ideas/{idea_id}/thread", json={"mode": "post"}, headers=moderator)
    ).status_code == 200
    return idea_id, moderator


async def _comment(client: Client, idea_id: str, device: dict[str, str], body: str, name: str) -> str:
    posted = await client.post(
        f"{BASE}/ideas/{idea_id}/comments", json={"body": body, "pseudonym": name}, headers=device
    )
    assert posted.status_code == 201, posted.text
    return str(posted.json()["id"])


async def test_hide_restore_lock_and_the_citys_answer(client: Client, sessions: Sessions) -> None:
    idea_id, moderator = await _open(client, sessions)
    _, device = await register_device(client)
    comment_id = await _comment(client, idea_id, device, "Beleidigender Text", "Kai")
    moderation = f"{BASE}/comments/{comment_id}/moderation"
    no_reason = await client.post(moderation, json={"action": "hide"}, headers=moderator)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "body.reason"
    reason = "Verstößt gegen die Netiquette (Beleidigung)"
    assert (
        await client.post(moderation, json={"action": "hide", "reason": reason}, headers=moderator)
    ).status_code == 200
    comments = f"{BASE}/ideas/{idea_id}/comments"
    assert (await client.get(comments)).json()["items"] == []
    assert (
        await client.post(moderation, json={"action": "hide", "reason": reason}, headers=moderator)
    ).status_code == 409
    restore = {"action": "restore", "reason": "Nach Rücksprache: Zitat, keine Beleidigung"}
    assert (await client.post(moderation, json=restore, headers=moderator)).status_code == 200
    assert [c["id"] for c in (await client.get(comments)).json()["items"]] == [comment_id]

    lock = f"{BASE}/ideas/{idea_id}/thread/lock"
    locked = await client.post(lock, json={"action": "lock", "reason": "Diskussion abgeschlossen"}, headers=moderator)
    assert locked.status_code == 200 and locked.json()["locked"] is True
    refused = await client.post(comments, json={"body": "Noch was"}, headers=device)
    assert refused.status_code == 409
    answer = await client.post(
        f"{BASE}/ideas/{idea_id}/answers", json={"body": "Danke für die Diskussion!"}, headers=moderator
    )
    assert answer.status_code == 201 and answer.json()["official"] is True and answer.json()["author"] == "Dortmund"
    listed = (await client.get(comments)).json()["items"]
    assert [(c["author"], c["official"]) for c in listed] == [("Kai", False), ("Dortmund", True)]

    log = (await client.get(f"{BASE}/ideas/{idea_id}/thread/log", headers=moderator)).json()
    assert [(e["action"], e["reason"]) for e in log] == [
        ("mode_post", None),
        ("hide", reason),
        ("restore", restore["reason"]),
        ("lock", "Diskussion abgeschlossen"),
    ]
    assert all(e["staff_id"] for e in log)
    assert (await client.get(f"{BASE}/ideas/{idea_id}/thread/log", headers=device)).status_code == 401
    assert (await client.post(moderation, json=restore, headers=device)).status_code == 401


async def test_reports_reach_the_moderators_once_per_device(client: Client, sessions: Sessions) -> None:
    idea_id, moderator = await _open(client, sessions)
    _, writer = await register_device(client)
    comment_id = await _comment(client, idea_id, writer, "Ruft mich an: 0231 123456", "Max")
    url = f"{BASE}/comments/{comment_id}/reports"
    for _ in range(2):
        _, reader = await register_device(client)
        assert (await client.post(url, json={"reason": "personal_data"}, headers=reader)).status_code == 204
    assert (await client.post(url, json={"reason": "spam"}, headers=reader)).status_code == 409
    bad = await client.post(url, json={"reason": "boring"}, headers=reader)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.reason"
    reported = (await client.get(f"{BASE}/comments/queue?which=reported", headers=moderator)).json()["items"]
    assert [(c["id"], c["reports"]) for c in reported] == [(comment_id, 2)]
    assert (await client.post(url, json={"reason": "spam"})).status_code == 401


async def test_a_comment_one_cannot_read_cannot_be_reported(client: Client, sessions: Sessions) -> None:
    # Reporting tells whether a comment exists: it answers like GET /comments/{id}, no more.
    idea_id, moderator = await _open(client, sessions)
    _, writer = await register_device(client)
    comment_id = await _comment(client, idea_id, writer, "Gute Idee", "Ada")
    _, reader = await register_device(client)
    url = f"{BASE}/comments/{comment_id}/reports"
    off = await client.put(f"{BASE}/ideas/{idea_id}/thread", json={"mode": "off"}, headers=moderator)
    assert off.status_code == 200, off.text
    assert (await client.get(f"{BASE}/comments/{comment_id}", headers=reader)).status_code == 404
    refused = await client.post(url, json={"reason": "spam"}, headers=reader)
    assert refused.status_code == 404 and refused.json()["detail"] == "comment not found"
    reported = (await client.get(f"{BASE}/comments/queue?which=reported", headers=moderator)).json()["items"]
    assert reported == []
    assert (
        await client.post(f"{BASE}/comments/{uuid.uuid4()}/reports", json={"reason": "spam"}, headers=reader)
    ).status_code == 404


async def test_rate_limits_per_device_and_per_thread(client: Client, sessions: Sessions) -> None:
    """Dortmund's test settings allow 5 comments per device an hour and 8 per thread a minute."""
    idea_id, _ = await _open(client, sessions)
    url = f"{BASE}/ideas/{idea_id}/comments"
    _, chatty = await register_device(client)
    answers = [
        (await client.post(url, json={"body": f"Beitrag {i}", "pseudonym": "Viel"}, headers=chatty)).status_code
        for i in range(6)
    ]
    assert answers == [201, 201, 201, 201, 201, 429]
    codes = []
    for i in range(4):
        _, device = await register_device(client)
        codes.append(
            (await client.post(url, json={"body": "Ich auch", "pseudonym": f"Nr {i}"}, headers=device)).status_code
        )
    assert codes == [201, 201, 201, 429]  # the thread's eight a minute are spent
    limited = await client.post(url, json={"body": "Und ich", "pseudonym": "Spät"}, headers=device)
    assert limited.status_code == 429 and "retry-after" in limited.headers
    assert len((await client.get(url)).json()["items"]) == 8
