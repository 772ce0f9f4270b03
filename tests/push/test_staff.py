"""Staff API: preview, compose, schedule, cancel, deliveries and figures."""

from __future__ import annotations

import datetime as dt

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import TenantInfo
from core.testing import register_device, staff_headers
from push.models import PushOutbox
from tests.push.conftest import BERLIN, Clock, make_dispatcher

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
LOG_CITY = TenantInfo(slug="dortmund", name="Dortmund", locales=("de", "en"), time_zone=BERLIN)
MESSAGE = {
    "topic": "push.news",
    "title": {"de": "Stadtfest", "en": "City festival"},
    "body": {"de": "Am Samstag in der Innenstadt", "en": "Saturday in the city centre"},
    "deep_link": "stadtkern://events/123",
}


async def test_preview_compose_send_and_figures(client: Client, sessions: Sessions) -> None:
    staff = await staff_headers(client, sessions, grants={"push": "editor"})
    for district in ("nord", "nord", "sued"):
        _, headers = await register_device(client, push_token="p" * 40)
        await client.put(
            "/v1/dortmund/devices/me/subscriptions",
            headers=headers,
            json={"topics": [{"id": "push.news", "enabled": True, "districts": [district]}]},
        )
    await register_device(client, push_token="q" * 40)  # news is off by default

    preview = await client.post(
        "/v1/dortmund/push/notifications/preview",
        headers=staff,
        json={"topic": "push.news", "audience": {"districts": ["nord"]}},
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["devices"] == 2

    created = await client.post(
        "/v1/dortmund/push/notifications", headers=staff, json={**MESSAGE, "audience": {"districts": ["nord"]}}
    )
    assert created.status_code == 201, created.text
    nid = created.json()["id"]
    assert created.json()["state"] == "pending"

    clock = Clock(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    await make_dispatcher(sessions, clock, tenant=LOG_CITY).run()

    one = await client.get(f"/v1/dortmund/push/notifications/{nid}", headers=staff)
    assert one.status_code == 200
    assert one.json()["state"] == "done"
    assert one.json()["figures"] == {
        "targeted": 2,
        "sent": 2,
        "failed": 0,
        "dead": 0,
        "skipped": 0,
        "deferred": 0,
        "pending": 0,
        "opened": 0,
    }
    deliveries = await client.get(f"/v1/dortmund/push/notifications/{nid}/deliveries", headers=staff)
    assert [d["state"] for d in deliveries.json()["items"]] == ["sent", "sent"]
    listed = await client.get("/v1/dortmund/push/notifications", headers=staff)
    assert [n["id"] for n in listed.json()["items"]] == [nid]


async def test_schedule_and_cancel(client: Client, sessions: Sessions) -> None:
    staff = await staff_headers(client, sessions)
    send_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
    # found by schemathesis: the calendar's edges overflowed into a 500; years ahead are a typo
    for bad in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+05:00", "2099-01-01T09:00:00+00:00"):
        refused = await client.post("/v1/dortmund/push/notifications", headers=staff, json={**MESSAGE, "send_at": bad})
        assert refused.status_code == 422 and "body.send_at" in refused.text, refused.text
    created = await client.post(
        "/v1/dortmund/push/notifications", headers=staff, json={**MESSAGE, "send_at": send_at.isoformat()}
    )
    assert created.status_code == 201, created.text
    scheduled = dt.datetime.fromisoformat(created.json()["send_at"])
    assert send_at <= scheduled <= send_at + dt.timedelta(seconds=45)  # jitter off the full hour
    nid = created.json()["id"]

    cancelled = await client.delete(f"/v1/dortmund/push/notifications/{nid}", headers=staff)
    assert cancelled.status_code == 204
    async with sessions() as session:
        row = await session.get(PushOutbox, __import__("uuid").UUID(nid))
        assert row is not None and row.state == "cancelled"
    again = await client.delete(f"/v1/dortmund/push/notifications/{nid}", headers=staff)
    assert again.status_code == 409


async def test_staff_api_needs_an_editor_and_a_known_topic(client: Client, sessions: Sessions) -> None:
    _, device = await register_device(client)
    assert (await client.post("/v1/dortmund/push/notifications", headers=device, json=MESSAGE)).status_code == 401
    other = await staff_headers(client, sessions, grants={"waste": "editor"})
    assert (await client.post("/v1/dortmund/push/notifications", headers=other, json=MESSAGE)).status_code == 403
    staff = await staff_headers(client, sessions, grants={"push": "editor"}, email="push-editor@example.org")
    bad = await client.post("/v1/dortmund/push/notifications", headers=staff, json={**MESSAGE, "topic": "x.y"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.topic"
    # another city's staff cannot read this city's notifications
    schwerte = await staff_headers(client, sessions, tenant="schwerte")
    assert (await client.get("/v1/dortmund/push/notifications", headers=schwerte)).status_code == 403
