"""The dialogue as residents take part: off by default, pseudonyms per thread, pre/post-moderation."""

from __future__ import annotations

from support_ideas import BASE, MODERATOR, Client, Sessions, public_idea

from core.testing import register_device, staff_headers


async def _idea_with_thread(client: Client, sessions: Sessions, mode: str) -> tuple[str, dict[str, str]]:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, author = await register_device(client)
    idea_id = await public_idea(client, author, moderator)
    opened = await client.put(f"{BASE}/ideas/{idea_id}/thread", json={"mode": mode}, headers=moderator)
    assert opened.status_code == 200, opened.text
    return idea_id, moderator


async def test_comments_are_off_until_a_moderator_opens_them(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, device = await register_device(client)
    idea_id = await public_idea(client, device, moderator)
    assert (await client.get(f"{BASE}/ideas/{idea_id}/thread")).json() == {
        "mode": "off",
        "locked": False,
        "my_pseudonym": None,
    }
    assert (await client.get(f"{BASE}/ideas/{idea_id}/comments")).status_code == 404
    body = {"body": "Gute Idee!", "pseudonym": "Lindenblatt"}
    assert (await client.post(f"{BASE}/ideas/{idea_id}/comments", json=body, headers=device)).status_code == 404
    assert (
        await client.put(f"{BASE}/ideas/{idea_id}/thread", json={"mode": "post"}, headers=device)
    ).status_code == 401


async def test_post_moderation_shows_at_once_under_the_threads_pseudonym(client: Client, sessions: Sessions) -> None:
    idea_id, _ = await _idea_with_thread(client, sessions, "post")
    url = f"{BASE}/ideas/{idea_id}/comments"
    _, anna = await register_device(client)
    _, ben = await register_device(client)
    no_name = await client.post(url, json={"body": "Schöne Idee"}, headers=anna)
    assert no_name.status_code == 422 and no_name.json()["errors"][0]["field"] == "body.pseudonym"
    posing = await client.post(url, json={"body": "Wir prüfen das", "pseudonym": "Stadt Dortmund"}, headers=anna)
    assert posing.status_code == 422
    first = await client.post(url, json={"body": "Schöne Idee", "pseudonym": "Anna R."}, headers=anna)
    assert first.status_code == 201, first.text
    assert first.json()["state"] == "visible" and first.json()["author"] == "Anna R." and first.json()["mine"]
    taken = await client.post(url, json={"body": "Ich auch", "pseudonym": "anna r."}, headers=ben)
    assert taken.status_code == 409  # one name, one person, in this thread
    assert (await client.post(url, json={"body": "Nochmal ich"}, headers=anna)).status_code == 201
    renamed = await client.post(url, json={"body": "Jetzt anders", "pseudonym": "Anja"}, headers=anna)
    assert renamed.status_code == 409
    assert (await client.post(url, json={"body": "Dagegen", "pseudonym": "Ben"}, headers=ben)).status_code == 201

    listed = (await client.get(url)).json()["items"]
    assert [(c["author"], c["body"], c["mine"]) for c in listed] == [
        ("Anna R.", "Schöne Idee", False),
        ("Anna R.", "Nochmal ich", False),
        ("Ben", "Dagegen", False),
    ]
    assert "device" not in repr(listed)
    thread = (await client.get(f"{BASE}/ideas/{idea_id}/thread", headers=anna)).json()
    assert thread == {"mode": "post", "locked": False, "my_pseudonym": "Anna R."}


async def test_pre_moderation_waits_for_a_moderator(client: Client, sessions: Sessions) -> None:
    idea_id, moderator = await _idea_with_thread(client, sessions, "pre")
    url = f"{BASE}/ideas/{idea_id}/comments"
    _, anna = await register_device(client)
    posted = await client.post(url, json={"body": "Bitte auch Bänke", "pseudonym": "Anna"}, headers=anna)
    assert posted.status_code == 201 and posted.json()["state"] == "pending"
    comment_id = posted.json()["id"]
    assert (await client.get(url)).json()["items"] == []  # others do not see it yet
    own = (await client.get(url, headers=anna)).json()["items"]
    assert [(c["id"], c["state"], c["mine"]) for c in own] == [(comment_id, "pending", True)]

    queue = (await client.get(f"{BASE}/comments/queue", headers=moderator)).json()["items"]
    assert [(c["id"], c["subject_id"], c["author"]) for c in queue] == [(comment_id, idea_id, "Anna")]
    approved = await client.post(
        f"{BASE}/comments/{comment_id}/moderation", json={"action": "approve"}, headers=moderator
    )
    assert approved.status_code == 200 and approved.json()["state"] == "visible"
    assert [c["id"] for c in (await client.get(url)).json()["items"]] == [comment_id]
    assert (await client.get(f"{BASE}/comments/queue", headers=moderator)).json()["items"] == []
