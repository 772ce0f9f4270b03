"""A device's export and delete reach everything it wrote in the Ideenpool, and nothing of others."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from stadtkern_ideas.models import CommentReport, Idea, Participant, StatusChange, Support
from support_ideas import BASE, EDITOR, MODERATOR, Client, Sessions, public_idea, submit

from core.testing import register_device, staff_headers

DEVICES = "/v1/dortmund/devices/me"


async def _count(sessions: Sessions, model: type, **where: object) -> int:
    async with sessions() as session:
        stmt = select(func.count()).select_from(model).filter_by(**where)
        return int(await session.scalar(stmt) or 0)


async def test_the_export_holds_ideas_and_supports(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, device = await register_device(client)
    _, other = await register_device(client)
    public = await public_idea(client, device, moderator)
    pending = await submit(client, device, title="Noch nicht entschieden")
    others = await public_idea(client, other, moderator)
    assert (await client.post(f"{BASE}/ideas/{others}/support", headers=device)).status_code == 200

    exported = await client.get(f"{DEVICES}/export", headers=device)
    assert exported.status_code == 200, exported.text
    mine = exported.json()["modules"]["ideas"]
    assert sorted(i["idea"]["id"] for i in mine["ideas"]) == sorted([public, pending])
    assert mine["supported_ideas"] == [others]
    assert {i["idea"]["id"]: i["moderation"] for i in mine["ideas"]} == {public: "accepted", pending: "pending"}
    theirs = (await client.get(f"{DEVICES}/export", headers=other)).json()["modules"]["ideas"]
    assert [i["idea"]["id"] for i in theirs["ideas"]] == [others] and theirs["supported_ideas"] == []


async def test_delete_removes_ideas_supports_and_history(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    editor = await staff_headers(client, sessions, grants=EDITOR)
    _, device = await register_device(client)
    _, other = await register_device(client)
    own = await public_idea(client, device, moderator)
    answer = {"de": "Wird geprüft.", "en": "Under review."}
    step = await client.post(
        f"{BASE}/ideas/{own}/status", json={"status": "under_review", "answer": answer}, headers=editor
    )
    assert step.status_code == 200
    await submit(client, device)
    others = await public_idea(client, other, moderator)
    for idea_id in (own, others):
        assert (await client.post(f"{BASE}/ideas/{idea_id}/support", headers=other)).status_code == 200
    assert (await client.post(f"{BASE}/ideas/{others}/support", headers=device)).status_code == 200
    token = (await client.get(f"{BASE}/ideas")).json()["sync_token"]

    assert (await client.delete(DEVICES, headers=device)).status_code == 204
    assert await _count(sessions, Idea, tenant_id="dortmund") == 1
    assert await _count(sessions, StatusChange, idea_id=uuid.UUID(own)) == 0
    assert await _count(sessions, Support, idea_id=uuid.UUID(own)) == 0
    # the other device's support of the deleted idea went with it; its own idea lost one supporter
    listed = (await client.get(f"{BASE}/ideas")).json()["items"]
    assert [(i["id"], i["supporters"]) for i in listed] == [(others, 1)]
    assert (await client.get(f"{BASE}/ideas/{others}", headers=other)).json()["supported_by_me"] is True
    delta = (await client.get(f"{BASE}/ideas?since={token}")).json()
    assert delta["deleted"] == [own]
    assert (await client.get(f"{BASE}/ideas/{own}")).status_code == 404


async def test_export_and_delete_cover_the_dialogue(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, author = await register_device(client)
    idea_id = await public_idea(client, author, moderator)
    assert (
        await client.put(f"{BASE}/ideas/{idea_id}/thread", json={"mode": "post"}, headers=moderator)
    ).status_code == 200
    comments = f"{BASE}/ideas/{idea_id}/comments"
    _, device = await register_device(client)
    _, other = await register_device(client)
    mine = await client.post(comments, json={"body": "Mein Beitrag", "pseudonym": "Eule"}, headers=device)
    theirs = await client.post(comments, json={"body": "Deren Beitrag", "pseudonym": "Fuchs"}, headers=other)
    assert mine.status_code == theirs.status_code == 201
    report = {"reason": "off_topic", "note": "passt nicht"}
    assert (
        await client.post(f"{BASE}/comments/{theirs.json()['id']}/reports", json=report, headers=device)
    ).status_code == 204
    assert (
        await client.post(f"{BASE}/comments/{mine.json()['id']}/reports", json=report, headers=other)
    ).status_code == 204

    exported = (await client.get(f"{DEVICES}/export", headers=device)).json()["modules"]["ideas"]
    assert [(c["pseudonym"], c["body"], c["subject_id"]) for c in exported["comments"]] == [
        ("Eule", "Mein Beitrag", idea_id)
    ]
    assert [(r["comment_id"], r["note"]) for r in exported["reports"]] == [(theirs.json()["id"], "passt nicht")]

    assert (await client.delete(DEVICES, headers=device)).status_code == 204
    listed = (await client.get(comments)).json()["items"]
    assert [c["author"] for c in listed] == ["Fuchs"] and listed[0]["id"] == theirs.json()["id"]
    assert await _count(sessions, Participant, pseudonym="Eule") == 0
    assert await _count(sessions, CommentReport, comment_id=uuid.UUID(mine.json()["id"])) == 0
    assert await _count(sessions, CommentReport) == 0  # its own report of the other comment went too
    # the other device's export still holds its own comment, and no trace of the deleted device
    kept = (await client.get(f"{DEVICES}/export", headers=other)).json()["modules"]["ideas"]
    assert [c["body"] for c in kept["comments"]] == ["Deren Beitrag"] and kept["reports"] == []
    # the pseudonym is free again in this thread
    _, newcomer = await register_device(client)
    assert (
        await client.post(comments, json={"body": "Hallo", "pseudonym": "Eule"}, headers=newcomer)
    ).status_code == 201
