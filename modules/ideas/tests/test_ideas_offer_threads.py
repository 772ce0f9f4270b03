"""Threads on participation's offers: the Ideenpool's dialogue reaches an item of another module
through the ``DiscussionSubject`` participation declares (core.api), never by importing it."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from sqlalchemy import func, select
from stadtkern_ideas.models import Comment, Participant, Thread
from support_ideas import BASE, MODERATOR, Client, Sessions

from core.testing import register_device, run_jobs, staff_headers

PARTICIPATION = "/v1/{city}/participation"
SUBJECT = "participation.offer"
DEVICES = "/v1/dortmund/devices/me"


async def _offer(client: Client, sessions: Sessions, city: str = "dortmund", *, publish: bool = True) -> str:
    editor = await staff_headers(client, sessions, tenant=city, grants={"participation": "editor"})
    body = {"title": {"de": "Stadtteilwerkstatt Hörde", "en": "Hörde workshop"}, "format": "workshop"}
    created = await client.post(f"{PARTICIPATION.format(city=city)}/offers", json=body, headers=editor)
    assert created.status_code == 201, created.text
    offer_id: str = created.json()["id"]
    if publish:
        status = {"status": "published"}
        url = f"{PARTICIPATION.format(city=city)}/offers/{offer_id}/status"
        assert (await client.post(url, json=status, headers=editor)).status_code == 200
    return offer_id


def _item(offer_id: str, city: str = "dortmund", subject: str = SUBJECT) -> str:
    return f"/v1/{city}/ideas/discussions/{subject}/{offer_id}"


async def _count(sessions: Sessions, model: Any, **where: Any) -> int:
    async with sessions() as session:
        stmt = select(func.count()).select_from(model).filter_by(**where)
        return int((await session.execute(stmt)).scalar_one())


async def test_an_offers_comments_are_off_until_a_moderator_opens_them(client: Client, sessions: Sessions) -> None:
    offer_id = await _offer(client, sessions)
    _, device = await register_device(client)
    item = _item(offer_id)
    assert (await client.get(f"{item}/thread")).json() == {"mode": "off", "locked": False, "my_pseudonym": None}
    assert (await client.get(f"{item}/comments")).status_code == 404
    body = {"body": "Komme gern!", "pseudonym": "Hörderin"}
    assert (await client.post(f"{item}/comments", json=body, headers=device)).status_code == 404
    assert (await client.put(f"{item}/thread", json={"mode": "post"}, headers=device)).status_code == 401

    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    opened = await client.put(f"{item}/thread", json={"mode": "post"}, headers=moderator)
    assert opened.status_code == 200 and opened.json()["mode"] == "post", opened.text
    posted = await client.post(f"{item}/comments", json=body, headers=device)
    assert posted.status_code == 201 and posted.json()["state"] == "visible", posted.text
    assert posted.headers["location"] == f"{BASE}/comments/{posted.json()['id']}"
    answer = await client.post(f"{item}/answers", json={"body": "Wir freuen uns auf Sie."}, headers=moderator)
    assert answer.status_code == 201 and answer.json()["author"] == "Dortmund" and answer.json()["official"]

    listed = (await client.get(f"{item}/comments")).json()["items"]
    assert [(c["author"], c["body"]) for c in listed] == [
        ("Hörderin", "Komme gern!"),
        ("Dortmund", "Wir freuen uns auf Sie."),
    ]
    mine = (await client.get(f"{item}/thread", headers=device)).json()
    assert mine == {"mode": "post", "locked": False, "my_pseudonym": "Hörderin"}
    # the comment reads, is reported and moderated through the routes every comment has
    comment = f"{BASE}/comments/{posted.json()['id']}"
    assert (await client.get(comment)).json()["body"] == "Komme gern!"
    _, other = await register_device(client)
    assert (await client.post(f"{comment}/reports", json={"reason": "spam"}, headers=other)).status_code == 204
    queue = (await client.get(f"{BASE}/comments/queue?which=reported", headers=moderator)).json()["items"]
    assert [(c["subject"], c["subject_id"]) for c in queue] == [(SUBJECT, offer_id)]
    hidden = await client.post(
        f"{comment}/moderation", json={"action": "hide", "reason": "Werbung für ein Geschäft"}, headers=moderator
    )
    assert hidden.status_code == 200 and hidden.json()["state"] == "hidden"
    assert (await client.get(comment)).status_code == 404
    log = (await client.get(f"{item}/thread/log", headers=moderator)).json()
    assert [e["action"] for e in log] == ["mode_post", "hide"]


async def test_pre_moderation_and_the_lock_work_on_offers_as_on_ideas(client: Client, sessions: Sessions) -> None:
    offer_id = await _offer(client, sessions)
    item = _item(offer_id)
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    assert (await client.put(f"{item}/thread", json={"mode": "pre"}, headers=moderator)).status_code == 200
    _, device = await register_device(client)
    posted = await client.post(
        f"{item}/comments", json={"body": "Gibt es Parkplätze?", "pseudonym": "Ole"}, headers=device
    )
    assert posted.status_code == 201 and posted.json()["state"] == "pending"
    assert (await client.get(f"{item}/comments")).json()["items"] == []
    assert [c["state"] for c in (await client.get(f"{item}/comments", headers=device)).json()["items"]] == ["pending"]
    locked = await client.post(
        f"{item}/thread/lock", json={"action": "lock", "reason": "Termin vorbei"}, headers=moderator
    )
    assert locked.status_code == 200 and locked.json()["locked"]
    again = await client.post(f"{item}/comments", json={"body": "Noch eine Frage"}, headers=device)
    assert again.status_code == 409


async def test_only_offers_residents_can_read_are_discussed(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    draft = await _offer(client, sessions, publish=False)
    refused = await client.put(f"{_item(draft)}/thread", json={"mode": "post"}, headers=moderator)
    assert refused.status_code == 404 and refused.json()["detail"] == "offer not found"
    assert (await client.get(f"{_item(draft)}/thread")).status_code == 404
    assert (await client.get(f"{_item(str(uuid.uuid4()))}/thread")).status_code == 404
    # another city's offer is not Dortmund's to discuss: the lookup runs on Dortmund's session
    schwerte = await _offer(client, sessions, "schwerte")
    assert (await client.put(f"{_item(schwerte)}/thread", json={"mode": "post"}, headers=moderator)).status_code == 404
    # a kind no module of the city declares: the answer names the kinds there are
    unknown = await client.get(f"{_item(draft, subject='events.event')}/thread")
    assert unknown.status_code == 404 and SUBJECT in unknown.json()["detail"]
    assert (await client.get(f"{_item(draft, subject='idea')}/thread")).status_code == 404
    assert await _count(sessions, Thread) == 0


async def test_a_deleted_offers_thread_goes_with_its_comments(
    app: Litestar, client: Client, sessions: Sessions
) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    kept, deleted = await _offer(client, sessions), await _offer(client, sessions)
    _, device = await register_device(client)
    for offer_id in (kept, deleted):
        item = _item(offer_id)
        assert (await client.put(f"{item}/thread", json={"mode": "post"}, headers=moderator)).status_code == 200
        body = {"body": f"Beitrag zu {offer_id[:8]}", "pseudonym": "Möwe"}
        assert (await client.post(f"{item}/comments", json=body, headers=device)).status_code == 201

    exported = (await client.get(f"{DEVICES}/export", headers=device)).json()["modules"]["ideas"]["comments"]
    assert sorted((c["subject"], c["subject_id"]) for c in exported) == sorted((SUBJECT, o) for o in (kept, deleted))

    editor = await staff_headers(client, sessions, grants={"participation": "editor"})
    gone = await client.delete(f"{PARTICIPATION.format(city='dortmund')}/offers/{deleted}", headers=editor)
    assert gone.status_code == 204, gone.text
    assert (await client.get(f"{_item(deleted)}/comments")).status_code == 404  # unreadable at once
    assert await _count(sessions, Thread) == 2  # the rows wait for the daily job

    assert await run_jobs(app, sessions, "ideas", "dortmund", "orphan-threads") == 1
    assert await _count(sessions, Thread) == 1
    assert await _count(sessions, Thread, subject_id=uuid.UUID(deleted)) == 0
    assert await _count(sessions, Comment) == 1 and await _count(sessions, Participant) == 1
    assert len((await client.get(f"{_item(kept)}/comments")).json()["items"]) == 1
    assert await run_jobs(app, sessions, "ideas", "dortmund", "orphan-threads") == 1  # again: nothing more goes
    assert await _count(sessions, Thread) == 1


async def test_hostile_input_and_the_other_citys_credentials_are_refused(client: Client, sessions: Sessions) -> None:
    offer_id = await _offer(client, sessions)
    item = _item(offer_id)
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    assert (await client.put(f"{item}/thread", json={"mode": "post"}, headers=moderator)).status_code == 200
    _, device = await register_device(client)
    nul = await client.get(f"/v1/dortmund/ideas/discussions/participation.of%00fer/{offer_id}/thread")
    assert 400 <= nul.status_code < 500
    huge = await client.post(f"{item}/comments", json={"body": "x" * 1_000_000, "pseudonym": "Ole"}, headers=device)
    assert huge.status_code in (413, 422)
    deep = "[" * 100_000 + "]" * 100_000
    nested = await client.post(f"{item}/comments", content=deep, headers={**device, "Content-Type": "application/json"})
    assert 400 <= nested.status_code < 500
    forged = await client.get(f"{item}/comments", headers={"Authorization": "Bearer forged.token.value"})
    assert forged.status_code == 401 and forged.headers["www-authenticate"].startswith("Bearer")
    # Schwerte's moderator and devices cannot act on Dortmund's thread
    other = await staff_headers(client, sessions, tenant="schwerte", grants=MODERATOR)
    locked = await client.post(f"{item}/thread/lock", json={"action": "lock", "reason": "fremd"}, headers=other)
    assert locked.status_code in (401, 403)
    _, stranger = await register_device(client, "schwerte")
    body = {"body": "Von nebenan", "pseudonym": "Gast"}
    assert (await client.post(f"{item}/comments", json=body, headers=stranger)).status_code in (401, 403)
    # and Dortmund's offer does not exist under Schwerte's URL
    assert (await client.get(_item(offer_id, "schwerte") + "/thread")).status_code == 404
