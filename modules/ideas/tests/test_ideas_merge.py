"""Merging duplicates: supports carry over once per device, the duplicate leaves the pool."""

from __future__ import annotations

import uuid

from httpx import Response
from support_ideas import BASE, MODERATOR, Client, Sessions, outbox, public_idea, submit

from core.testing import register_device, staff_headers


async def test_supports_carry_over_once(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    original_author_id, original_author = await register_device(client)
    duplicate_author_id, duplicate_author = await register_device(client)
    original = await public_idea(client, original_author, moderator)
    duplicate = await public_idea(client, duplicate_author, moderator, title="Bäume für die Hohe Straße!")
    both_id, both = await register_device(client)  # supports both: must count once
    only_dup_id, only_dup = await register_device(client)
    _, only_orig = await register_device(client)
    for device, ideas in ((both, [original, duplicate]), (only_dup, [duplicate]), (only_orig, [original])):
        for idea_id in ideas:
            assert (await client.post(f"{BASE}/ideas/{idea_id}/support", headers=device)).status_code == 200

    merged = await client.post(f"{BASE}/ideas/{duplicate}/merge", json={"into": original}, headers=moderator)
    assert merged.status_code == 200, merged.text
    assert merged.json()["id"] == original and merged.json()["supporters"] == 3

    assert [i["id"] for i in (await client.get(f"{BASE}/ideas")).json()["items"]] == [original]
    shown = (await client.get(f"{BASE}/ideas/{duplicate}", headers=only_dup)).json()
    assert shown["merged_into"] == original and shown["supported_by_me"] is False
    moved = (await client.get(f"{BASE}/ideas/{original}", headers=only_dup)).json()
    assert moved["supported_by_me"] is True and moved["idea"]["supporters"] == 3
    # the carried-over support is a support like any other: once, and it can be withdrawn
    assert (await client.post(f"{BASE}/ideas/{original}/support", headers=both)).status_code == 409
    assert (await client.delete(f"{BASE}/ideas/{original}/support", headers=only_dup)).json()["supporters"] == 2
    mine = (await client.get(f"{BASE}/ideas/mine", headers=duplicate_author)).json()["items"]
    assert [(m["moderation"], m["merged_into"]) for m in mine] == [("merged", original)]

    told = (await outbox(sessions))[-1]
    assert told.title["de"] == "Idee zusammengeführt"
    assert told.audience["device_ids"] == sorted([duplicate_author_id, both_id, only_dup_id])
    assert original_author_id not in told.audience["device_ids"]


async def test_merging_a_pending_duplicate_and_the_refusals(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, author = await register_device(client)
    original = await public_idea(client, author, moderator)
    pending = await submit(client, author)
    other_pending = await submit(client, author)

    async def merge(source: str, into: str) -> Response:
        return await client.post(f"{BASE}/ideas/{source}/merge", json={"into": into}, headers=moderator)

    assert (await merge(original, original)).status_code == 409
    assert (await merge(original, pending)).status_code == 409
    unknown = await merge(pending, str(uuid.uuid4()))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.into"
    assert (await merge(pending, original)).status_code == 200
    assert (await merge(pending, original)).status_code == 409
    queue = (await client.get(f"{BASE}/moderation", headers=moderator)).json()["items"]
    assert [i["id"] for i in queue] == [other_pending]
    merged = (await client.get(f"{BASE}/moderation?moderation=merged", headers=moderator)).json()["items"]
    assert [(i["id"], i["merged_into"]) for i in merged] == [(pending, original)]
    assert (await client.post(f"{BASE}/ideas/{pending}/merge", json={"into": original})).status_code == 401
