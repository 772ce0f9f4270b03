"""Every 201 of the Ideenpool says where the new thing is read (``Location``), and that GET answers it:
the own pending idea, the own pending photo, a comment (waiting or not) and the city's answer."""

from __future__ import annotations

import uuid
from typing import Any

from photo_samples import phone_photo
from support_ideas import BASE, MODERATOR, Client, Sessions, accept, public_idea, submit

from core.testing import register_device, staff_headers

SCHWERTE = "/v1/schwerte/ideas"


async def _follow(client: Client, created: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The resource behind a 201's ``Location``, read with ``headers``: 200 it must be."""
    assert created.status_code == 201, created.text
    read = await client.get(created.headers["location"], headers=headers)
    assert read.status_code == 200, read.text
    body: dict[str, Any] = read.json()
    return body


async def test_a_new_idea_is_read_where_location_says_by_its_device_while_pending(
    client: Client, sessions: Sessions
) -> None:
    _, device = await register_device(client)
    created = await client.post(
        f"{BASE}/ideas",
        json={
            "title": "Ein Trinkbrunnen am Markt",
            "description": "Im Sommer fehlt am Markt frisches Trinkwasser für alle.",
            "topic": "climate",
            "district": "Innenstadt-West",
        },
        headers=device,
    )
    idea_id = created.json()["idea"]["id"]
    assert created.headers["location"] == f"{BASE}/ideas/{idea_id}"
    assert (await _follow(client, created, device))["idea"]["id"] == idea_id  # pending, and its own
    _, stranger = await register_device(client)
    for headers in (None, stranger):
        assert (await client.get(created.headers["location"], headers=headers)).status_code == 404
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    await accept(client, moderator, idea_id)
    assert (await _follow(client, created))["idea"]["id"] == idea_id


async def test_a_new_photo_is_read_where_location_says_by_whoever_may_see_it(
    client: Client, sessions: Sessions
) -> None:
    _, device = await register_device(client)
    idea_id = await submit(client, device)
    created = await client.post(f"{BASE}/ideas/{idea_id}/photos", content=phone_photo(), headers=device)
    photo = created.json()
    assert created.headers["location"] == f"{BASE}/photos/{photo['id']}"
    own = await client.get(created.headers["location"], headers=device)
    assert own.status_code == 200 and own.json() == photo
    assert own.headers["cache-control"] == "private, no-store"
    # the same callers as for the pictures themselves
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    editor = await staff_headers(client, sessions, grants={"ideas": "editor"})
    _, stranger = await register_device(client)
    assert (await _follow(client, created, moderator))["id"] == photo["id"]
    for headers in (None, stranger, editor):
        assert (await client.get(created.headers["location"], headers=headers)).status_code == 404
    for variant in photo["variants"]:
        assert (await client.get(f"{BASE}/{variant['path']}", headers=device)).status_code == 200

    await accept(client, moderator, idea_id)
    public = await client.get(created.headers["location"])
    assert public.status_code == 200 and public.json() == photo
    # who may see it changes with moderation: revalidated every time, cheaply
    assert public.headers["cache-control"] == "public, no-cache"
    again = await client.get(created.headers["location"], headers={"If-None-Match": public.headers["etag"]})
    assert again.status_code == 304
    assert (await client.get(f"{SCHWERTE}/photos/{photo['id']}")).status_code == 404  # another city's
    assert (await client.get(f"{BASE}/photos/{uuid.uuid4()}")).status_code == 404


async def _thread(client: Client, sessions: Sessions, mode: str) -> tuple[str, dict[str, str]]:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, author = await register_device(client)
    idea_id = await public_idea(client, author, moderator)
    opened = await client.put(f"{BASE}/ideas/{idea_id}/thread", json={"mode": mode}, headers=moderator)
    assert opened.status_code == 200, opened.text
    return idea_id, moderator


async def _listed(client: Client, idea_id: str, headers: dict[str, str] | None) -> set[str]:
    listed = await client.get(f"{BASE}/ideas/{idea_id}/comments", headers=headers)
    if listed.status_code == 404:
        return set()
    assert listed.status_code == 200, listed.text
    return {c["id"] for c in listed.json()["items"]}


async def _readable(client: Client, ids: list[str], headers: dict[str, str] | None) -> set[str]:
    found = set()
    for comment_id in ids:
        read = await client.get(f"{BASE}/comments/{comment_id}", headers=headers)
        assert read.status_code in (200, 404), read.text
        if read.status_code == 200:
            assert read.headers["cache-control"] == "private, no-cache"  # "mine", the own waiting ones
            found.add(read.json()["id"])
    return found


async def _same_as_the_list(
    client: Client, idea_id: str, ids: list[str], callers: list[dict[str, str] | None]
) -> list[set[str]]:
    """What each caller reads one by one is exactly what the idea's comment list shows them."""
    seen = []
    for headers in callers:
        listed = await _listed(client, idea_id, headers)
        assert await _readable(client, ids, headers) == listed
        seen.append(listed)
    return seen


async def test_a_comment_is_read_where_location_says_as_the_list_shows_it(client: Client, sessions: Sessions) -> None:
    idea_id, moderator = await _thread(client, sessions, "pre")
    url = f"{BASE}/ideas/{idea_id}/comments"
    _, anna = await register_device(client)
    _, ben = await register_device(client)
    waiting = await client.post(url, json={"body": "Bitte auch Bänke", "pseudonym": "Anna"}, headers=anna)
    comment_id = waiting.json()["id"]
    assert waiting.headers["location"] == f"{BASE}/comments/{comment_id}"
    own = await _follow(client, waiting, anna)
    assert (own["id"], own["state"], own["mine"], own["author"]) == (comment_id, "pending", True, "Anna")
    # waiting: for its author only; a moderator reads the list as anyone does (the queue shows them the rest)
    for headers in (None, ben, moderator):
        assert (await client.get(waiting.headers["location"], headers=headers)).status_code == 404

    answer = await client.post(f"{BASE}/ideas/{idea_id}/answers", json={"body": "Wir prüfen das."}, headers=moderator)
    assert answer.headers["location"] == f"{BASE}/comments/{answer.json()['id']}"
    official = await _follow(client, answer)
    assert (official["id"], official["official"], official["author"], official["state"]) == (
        answer.json()["id"],
        True,
        "Dortmund",
        "visible",
    )
    rejected = await client.post(url, json={"body": "Unsinn, alles Unsinn"}, headers=anna)
    later = await client.post(url, json={"body": "Und Papierkörbe", "pseudonym": "Ben"}, headers=ben)
    ids = [comment_id, answer.json()["id"], rejected.json()["id"], later.json()["id"]]
    callers: list[dict[str, str] | None] = [None, anna, ben, moderator]
    assert await _same_as_the_list(client, idea_id, ids, callers) == [
        {ids[1]},
        {ids[0], ids[1], ids[2]},
        {ids[1], ids[3]},
        {ids[1]},
    ]

    async def moderate(which: str, action: str) -> None:
        body = {"action": action, "reason": "Beleidigend und ohne Bezug"}
        done = await client.post(f"{BASE}/comments/{which}/moderation", json=body, headers=moderator)
        assert done.status_code == 200, done.text

    await moderate(comment_id, "approve")
    await moderate(ids[2], "reject")
    await moderate(ids[3], "approve")
    read = await _follow(client, waiting)
    assert (read["id"], read["state"], read["mine"]) == (comment_id, "visible", False)
    assert (await _follow(client, waiting, anna))["mine"] is True
    await moderate(ids[3], "hide")
    # hidden and rejected: for nobody, their authors neither
    assert await _same_as_the_list(client, idea_id, ids, callers) == [{ids[0], ids[1]}] * 4

    locked = await client.post(
        f"{BASE}/ideas/{idea_id}/thread/lock", json={"action": "lock", "reason": "Zu hitzig"}, headers=moderator
    )
    assert locked.status_code == 200, locked.text
    assert (await _follow(client, waiting))["id"] == comment_id  # read-only, still read
    off = await client.put(f"{BASE}/ideas/{idea_id}/thread", json={"mode": "off"}, headers=moderator)
    assert off.status_code == 200, off.text
    assert await _same_as_the_list(client, idea_id, ids, callers) == [set()] * 4
    assert (await client.get(f"{BASE}/comments/{uuid.uuid4()}")).status_code == 404


async def test_a_comment_is_not_read_once_its_idea_left_the_pool_nor_in_another_city(
    client: Client, sessions: Sessions
) -> None:
    idea_id, moderator = await _thread(client, sessions, "post")
    _, anna = await register_device(client)
    posted = await client.post(
        f"{BASE}/ideas/{idea_id}/comments", json={"body": "Gute Idee", "pseudonym": "Anna"}, headers=anna
    )
    assert posted.headers["location"] == f"{BASE}/comments/{posted.json()['id']}"
    read = await _follow(client, posted)
    assert (read["id"], read["state"], read["mine"]) == (posted.json()["id"], "visible", False)
    assert (await client.get(f"{SCHWERTE}/comments/{posted.json()['id']}", headers=anna)).status_code == 404

    _, other = await register_device(client)
    into = await public_idea(client, other, moderator, title="Bäume und Trinkbrunnen in der City")
    merged = await client.post(f"{BASE}/ideas/{idea_id}/merge", json={"into": into}, headers=moderator)
    assert merged.status_code == 200, merged.text
    assert await _same_as_the_list(client, idea_id, [posted.json()["id"]], [None, anna, moderator]) == [set()] * 3
