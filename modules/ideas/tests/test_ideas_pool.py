"""The Ideenpool as residents use it: submit, wait for moderation, browse, filter, sort, sync."""

from __future__ import annotations

from support_ideas import BASE, MODERATOR, Client, Sessions, accept, idea_body, public_idea, submit

from core.testing import register_device, staff_headers


async def test_an_idea_is_public_only_once_accepted(client: Client, sessions: Sessions) -> None:
    _, device = await register_device(client, locale="en")
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    place = {"name": "Hohe Straße 20", "location": {"lat": 51.5085, "lon": 7.4570}}
    created = await client.post(f"{BASE}/ideas", json=idea_body(place=place), headers=device)
    assert created.status_code == 201, created.text
    mine = created.json()
    assert mine["moderation"] == "pending" and mine["decline_reason"] is None
    # stored as written, the language recorded (the app's, as nothing else was said)
    assert mine["idea"]["language"] == "en" and mine["idea"]["place"] == place
    turkish = await client.post(f"{BASE}/ideas", json=idea_body(title="Daha çok ağaç", language="tr"), headers=device)
    assert turkish.status_code == 201 and turkish.json()["idea"]["language"] == "tr"
    assert turkish.json()["idea"]["title"] == "Daha çok ağaç"
    idea_id = mine["idea"]["id"]

    assert (await client.get(f"{BASE}/ideas")).json()["items"] == []
    assert (await client.get(f"{BASE}/ideas/{idea_id}")).status_code == 404
    _, stranger = await register_device(client)
    assert (await client.get(f"{BASE}/ideas/{idea_id}", headers=stranger)).status_code == 404
    assert (await client.get(f"{BASE}/ideas/{idea_id}", headers=device)).status_code == 200  # its own

    queue = (await client.get(f"{BASE}/moderation", headers=moderator)).json()["items"]
    assert [i["id"] for i in queue] == [idea_id, turkish.json()["idea"]["id"]]  # oldest first
    assert "device_id" not in queue[0]
    accepted = await accept(client, moderator, idea_id)
    assert accepted["moderation"] == "accepted" and accepted["status"] == "received"
    queue = (await client.get(f"{BASE}/moderation", headers=moderator)).json()["items"]
    assert [i["id"] for i in queue] == [turkish.json()["idea"]["id"]]

    listed = (await client.get(f"{BASE}/ideas", headers={"Accept-Language": "en"})).json()["items"]
    assert [i["id"] for i in listed] == [idea_id]
    assert listed[0]["title"] == "Mehr Bäume an der Hohen Straße" and listed[0]["supporters"] == 0
    detail = (await client.get(f"{BASE}/ideas/{idea_id}")).json()
    assert [s["status"] for s in detail["history"]] == ["received"] and detail["supported_by_me"] is False


async def test_a_declined_idea_shows_its_reason_to_the_submitter_only(client: Client, sessions: Sessions) -> None:
    _, device = await register_device(client)
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    idea_id = await submit(client, device)
    url = f"{BASE}/ideas/{idea_id}/decision"
    no_reason = await client.post(url, json={"decision": "decline"}, headers=moderator)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "body.reason"
    reason = "Das betrifft ein Privatgrundstück; bitte wenden Sie sich an die Eigentümer."
    declined = await client.post(url, json={"decision": "decline", "reason": reason}, headers=moderator)
    assert declined.status_code == 200, declined.text
    again = await client.post(url, json={"decision": "accept"}, headers=moderator)
    assert again.status_code == 409

    mine = (await client.get(f"{BASE}/ideas/mine", headers=device)).json()["items"]
    assert [(m["moderation"], m["decline_reason"]) for m in mine] == [("declined", reason)]
    assert (await client.get(f"{BASE}/ideas")).json()["items"] == []
    _, other = await register_device(client)
    assert (await client.get(f"{BASE}/ideas/mine", headers=other)).json()["items"] == []


async def test_bad_submissions_name_the_field(client: Client) -> None:
    _, device = await register_device(client)
    url = f"{BASE}/ideas"
    cases = [
        (idea_body(district="Atlantis"), "body.district"),
        (idea_body(topic="weather"), "body.topic"),
        (idea_body(title="x" * 121), "body.title"),
        (idea_body(description="kurz"), "body.description"),
        (idea_body(language="Deutsch"), "body.language"),
        (idea_body(place={"location": {"lat": 95, "lon": 7}}), "body.place.location.lat"),
    ]
    for body, field in cases:
        response = await client.post(url, json=body, headers=device)
        assert response.status_code == 422, (field, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert (await client.post(url, json=idea_body())).status_code == 401
    _, schwerte = await register_device(client, "schwerte")
    assert (await client.post(url, json=idea_body(), headers=schwerte)).status_code == 403


async def test_filters_sorts_and_pages(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, device = await register_device(client)
    first = await public_idea(client, device, moderator, topic="parks", district="Hörde")
    second = await public_idea(client, device, moderator, topic="mobility", district="Hörde")
    third = await public_idea(client, device, moderator, topic="parks", district="Brackel")
    for _ in range(2):
        _, supporter = await register_device(client)
        assert (await client.post(f"{BASE}/ideas/{first}/support", headers=supporter)).status_code == 200

    async def ids(query: str) -> list[str]:
        response = await client.get(f"{BASE}/ideas?{query}")
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert await ids("") == [third, second, first]  # newest first
    assert await ids("sort=supported") == [first, third, second]
    assert await ids("topic=parks") == [third, first]
    assert await ids("district=Hörde&topic=parks") == [first]
    assert await ids("status=under_review") == []
    bad = await client.get(f"{BASE}/ideas?district=Atlantis")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.district"
    assert (await client.get(f"{BASE}/ideas?sort=random")).status_code == 422

    page = (await client.get(f"{BASE}/ideas?limit=2")).json()
    assert [i["id"] for i in page["items"]] == [third, second] and page["next_cursor"]
    rest = (await client.get(f"{BASE}/ideas?limit=2&cursor={page['next_cursor']}")).json()
    assert [i["id"] for i in rest["items"]] == [first] and rest["next_cursor"] is None


async def test_delta_sync_and_etag(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, device = await register_device(client)
    old = await public_idea(client, device, moderator)
    listed = await client.get(f"{BASE}/ideas")
    etag = listed.headers["etag"]
    assert (await client.get(f"{BASE}/ideas", headers={"If-None-Match": etag})).status_code == 304
    token = listed.json()["sync_token"]

    duplicate = await public_idea(client, device, moderator, title="Bäume auf der Hohen Straße")
    fresh = await public_idea(client, device, moderator, title="Schatten für die City")
    merged = await client.post(f"{BASE}/ideas/{duplicate}/merge", json={"into": old}, headers=moderator)
    assert merged.status_code == 200, merged.text
    changed = await client.get(f"{BASE}/ideas")
    assert changed.headers["etag"] != etag

    delta = (await client.get(f"{BASE}/ideas?since={token}")).json()
    assert {i["id"] for i in delta["items"]} == {fresh, old}  # new, and the merge's target changed
    assert delta["deleted"] == [duplicate]
    bad = await client.get(f"{BASE}/ideas?since=yesterday")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.since"
