"""Photos done safely: sniffed, re-encoded without metadata, resized, cached, deleted with the device."""

from __future__ import annotations

import io
from pathlib import Path

from photo_samples import GPS_IFD, noisy_jpeg, phone_photo, transparent_png
from PIL import Image
from support_ideas import BASE, MODERATOR, Client, Sessions, accept, submit

from core.testing import register_device, staff_headers

STORE = Path("/tmp/stadtkern-test-ideas-photos")  # noqa: S108 - Dortmund's photo_dir in tests/manifest.toml


def _stored(photo_id: str) -> list[str]:
    """The files of a photo in Dortmund's store."""
    return sorted(f.name for f in STORE.glob(f"dortmund/{photo_id}/*"))


async def test_a_phone_photo_loses_its_gps_and_stands_upright(client: Client, sessions: Sessions) -> None:
    _, device = await register_device(client)
    idea_id = await submit(client, device)
    uploaded = await client.post(
        f"{BASE}/ideas/{idea_id}/photos", content=phone_photo(), headers={**device, "Content-Type": "image/jpeg"}
    )
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json()
    sizes = {v["name"]: (v["width"], v["height"]) for v in photo["variants"]}
    assert sizes == {"large": (1067, 1600), "medium": (533, 800), "thumb": (213, 320)}  # rotated: portrait

    large = f"{BASE}/photos/{photo['id']}/large"
    assert (await client.get(large)).status_code == 404  # not public while pending
    _, stranger = await register_device(client)
    assert (await client.get(large, headers=stranger)).status_code == 404
    own = await client.get(large, headers=device)
    assert own.status_code == 200 and own.headers["cache-control"] == "private, no-store"
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    queue = (await client.get(f"{BASE}/moderation", headers=moderator)).json()["items"]
    assert [p["id"] for p in queue[0]["photos"]] == [photo["id"]]  # moderators judge the photos too
    judged = await client.get(large, headers=moderator)
    assert judged.status_code == 200 and judged.headers["cache-control"] == "private, no-store"
    editor = await staff_headers(client, sessions, grants={"ideas": "editor"})
    assert (await client.get(large, headers=editor)).status_code == 404

    await accept(client, moderator, idea_id)
    for variant, (width, height) in sizes.items():
        served = await client.get(f"{BASE}/photos/{photo['id']}/{variant}")
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        # a day, not a year: a photo moderators take down must leave shared caches soon
        assert served.headers["cache-control"] == "public, max-age=86400, immutable"
        image = Image.open(io.BytesIO(served.content))
        assert image.size == (width, height) and image.format == "JPEG"
        assert dict(image.getexif()) == {} and image.getexif().get_ifd(GPS_IFD) == {}
        assert b"Exif" not in served.content and b"Stadtkern Phone" not in served.content
    etag = served.headers["etag"]
    assert (await client.get(f"{BASE}/photos/{photo['id']}/thumb", headers={"If-None-Match": etag})).status_code == 304
    detail = (await client.get(f"{BASE}/ideas/{idea_id}")).json()["idea"]
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    assert detail["photos"][0]["variants"][0]["path"] == f"photos/{photo['id']}/large"
    listed = (await client.get(f"{BASE}/ideas")).json()["items"]
    assert [[p["id"] for p in i["photos"]] for i in listed] == [[photo["id"]]]
    assert (await client.get(f"{BASE}/photos/{photo['id']}/original")).status_code == 422


async def test_the_content_decides_not_the_header(client: Client) -> None:
    _, device = await register_device(client)
    idea_id = await submit(client, device)
    cases = [
        (b"<html><script>alert(1)</script></html>", "image/jpeg"),
        (b"%PDF-1.7\n" + b"0" * 2000, "image/png"),
        (phone_photo()[:4000], "image/jpeg"),  # cut off: starts like a JPEG, is none
        (noisy_jpeg(), "image/jpeg"),  # larger than Dortmund's photo_max_bytes (200,000)
    ]
    for data, kind in cases:
        refused = await client.post(
            f"{BASE}/ideas/{idea_id}/photos", content=data, headers={**device, "Content-Type": kind}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "body"
    # a PNG sent as "image/jpeg" is a PNG: accepted, and stored as JPEG on white
    png = await client.post(
        f"{BASE}/ideas/{idea_id}/photos", content=transparent_png(), headers={**device, "Content-Type": "image/jpeg"}
    )
    assert png.status_code == 201, png.text
    too_big = await client.post(
        f"{BASE}/ideas/{idea_id}/photos", content=b"\xff\xd8\xff" + b"0" * 8_400_000, headers=device
    )
    assert too_big.status_code == 413
    assert (
        await client.post(f"{BASE}/ideas/{idea_id}/photos", content=phone_photo(), headers=device)
    ).status_code == 201
    third = await client.post(f"{BASE}/ideas/{idea_id}/photos", content=phone_photo(), headers=device)
    assert third.status_code == 409  # Dortmund allows two photos per idea in the tests


async def test_only_the_submitter_adds_photos_and_only_while_pending(client: Client, sessions: Sessions) -> None:
    _, device = await register_device(client)
    _, other = await register_device(client)
    idea_id = await submit(client, device)
    url = f"{BASE}/ideas/{idea_id}/photos"
    assert (await client.post(url, content=phone_photo(), headers=other)).status_code == 404
    assert (await client.post(url, content=phone_photo())).status_code == 401
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    await accept(client, moderator, idea_id)
    assert (await client.post(url, content=phone_photo(), headers=device)).status_code == 409


async def test_deleting_the_device_deletes_its_photo_files(client: Client) -> None:
    _, device = await register_device(client)
    idea_id = await submit(client, device)
    uploaded = await client.post(f"{BASE}/ideas/{idea_id}/photos", content=phone_photo(), headers=device)
    photo_id = uploaded.json()["id"]
    assert _stored(photo_id) == ["large.jpg", "medium.jpg", "thumb.jpg"]
    exported = (await client.get("/v1/dortmund/devices/me/export", headers=device)).json()["modules"]["ideas"]
    assert [p["id"] for p in exported["ideas"][0]["idea"]["photos"]] == [photo_id]
    assert (await client.delete("/v1/dortmund/devices/me", headers=device)).status_code == 204
    assert _stored(photo_id) == []


async def test_deleting_an_idea_deletes_its_photos(client: Client, sessions: Sessions) -> None:
    _, device = await register_device(client)
    _, other = await register_device(client)
    idea_id = await submit(client, device)
    photo_id = (await client.post(f"{BASE}/ideas/{idea_id}/photos", content=phone_photo(), headers=device)).json()["id"]
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    await accept(client, moderator, idea_id)
    token = (await client.get(f"{BASE}/ideas")).json()["sync_token"]
    assert (await client.delete(f"{BASE}/ideas/{idea_id}", headers=other)).status_code == 404
    assert (await client.delete(f"{BASE}/ideas/{idea_id}")).status_code == 401
    assert (await client.delete(f"{BASE}/ideas/{idea_id}", headers=device)).status_code == 204
    assert _stored(photo_id) == []
    assert (await client.get(f"{BASE}/photos/{photo_id}/thumb")).status_code == 404
    assert (await client.get(f"{BASE}/ideas/{idea_id}")).status_code == 404
    assert (await client.get(f"{BASE}/ideas?since={token}")).json()["deleted"] == [idea_id]
