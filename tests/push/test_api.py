"""Resident API: subscriptions with consent record, quiet hours, reported opens."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.testing import register_device
from push.models import PushDelivery, PushPreference, PushSubscription
from tests.push.conftest import Clock, make_dispatcher, notify

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


async def test_topics_listed_in_device_language_with_defaults(client: Client) -> None:
    _, headers = await register_device(client, locale="en", push_token="t" * 40)
    response = await client.get("/v1/dortmund/devices/me/subscriptions", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    topics = {t["id"]: t for t in body["topics"]}
    assert topics["push.alerts"]["title"] == "Warnings and disruptions"
    assert topics["push.alerts"]["enabled"] is True and topics["push.alerts"]["default_on"] is True
    assert topics["push.news"]["enabled"] is False
    assert body["quiet_hours"] is None and body["time_zone"] == "Europe/Berlin"

    _, german = await register_device(client, locale="de")
    titles = {
        t["id"]: t["title"]
        for t in (await client.get("/v1/dortmund/devices/me/subscriptions", headers=german)).json()["topics"]
    }
    assert titles["push.news"] == "Neuigkeiten aus der Stadt"


async def test_put_subscriptions_stores_consent_and_narrowing(client: Client, sessions: Sessions) -> None:
    device_id, headers = await register_device(client, push_token="t" * 40)
    before = dt.datetime.now(dt.UTC)
    response = await client.put(
        "/v1/dortmund/devices/me/subscriptions",
        headers=headers,
        json={
            "topics": [
                {"id": "push.news", "enabled": True, "districts": ["hoerde", "mengede"], "categories": ["verkehr"]},
                {"id": "push.alerts", "enabled": False},
            ],
            "quiet_hours": {"start": "22:00", "end": "06:30"},
        },
    )
    assert response.status_code == 200, response.text
    topics = {t["id"]: t for t in response.json()["topics"]}
    assert topics["push.news"]["enabled"] is True
    assert topics["push.news"]["districts"] == ["hoerde", "mengede"]
    assert topics["push.alerts"]["enabled"] is False and topics["push.alerts"]["opted_in_at"] is None
    assert dt.datetime.fromisoformat(topics["push.news"]["opted_in_at"]) >= before
    assert response.json()["quiet_hours"] == {"start": "22:00", "end": "06:30"}
    async with sessions() as session:
        sub = await session.scalar(sa.select(PushSubscription).where(PushSubscription.topic == "push.news"))
        assert sub is not None and str(sub.device_id) == device_id and sub.opted_in_at is not None
        pref = await session.scalar(sa.select(PushPreference))
        assert pref is not None and (pref.quiet_start, pref.quiet_end) == (22 * 60, 6 * 60 + 30)

    # Setting it again keeps the first consent time.
    again = await client.put(
        "/v1/dortmund/devices/me/subscriptions",
        headers=headers,
        json={"topics": [{"id": "push.news", "enabled": True}]},
    )
    assert {t["id"]: t for t in again.json()["topics"]}["push.news"]["opted_in_at"] == topics["push.news"][
        "opted_in_at"
    ]


async def test_unknown_topic_names_the_field(client: Client) -> None:
    _, headers = await register_device(client)
    response = await client.put(
        "/v1/dortmund/devices/me/subscriptions",
        headers=headers,
        json={"topics": [{"id": "push.news", "enabled": True}, {"id": "events.nope", "enabled": True}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.topics[1].id"
    bad_time = await client.put(
        "/v1/dortmund/devices/me/push-settings",
        headers=headers,
        json={"quiet_hours": {"start": "25:00", "end": "07:00"}},
    )
    assert bad_time.status_code == 422


async def test_push_settings_and_auth(client: Client) -> None:
    _, headers = await register_device(client)
    assert (await client.get("/v1/dortmund/devices/me/push-settings")).status_code == 401
    put = await client.put(
        "/v1/dortmund/devices/me/push-settings",
        headers=headers,
        json={"quiet_hours": {"start": "23:00", "end": "07:00"}, "district": "innenstadt-ost"},
    )
    assert put.status_code == 200, put.text
    got = (await client.get("/v1/dortmund/devices/me/push-settings", headers=headers)).json()
    assert got == {
        "quiet_hours": {"start": "23:00", "end": "07:00"},
        "district": "innenstadt-ost",
        "time_zone": "Europe/Berlin",
    }
    cleared = await client.put("/v1/dortmund/devices/me/push-settings", headers=headers, json={"quiet_hours": None})
    assert cleared.json()["quiet_hours"] is None and cleared.json()["district"] == "innenstadt-ost"
    # a device of another city is refused
    assert (await client.get("/v1/schwerte/devices/me/push-settings", headers=headers)).status_code == 403


async def test_opened_is_recorded_and_device_deletion_cascades(
    client: Client, sessions: Sessions, clock: Clock
) -> None:
    device_id, headers = await register_device(client, push_token="o" * 40)
    await client.put(
        "/v1/dortmund/devices/me/subscriptions",
        headers=headers,
        json={"topics": [{"id": "push.news", "enabled": True}], "district": "nord"},
    )
    nid = await notify(sessions, clock)
    from core.api import TenantInfo
    from tests.push.conftest import DORTMUND

    log_city = TenantInfo(slug="dortmund", name="Dortmund", locales=("de", "en"), time_zone=DORTMUND.time_zone)
    await make_dispatcher(sessions, clock, tenant=log_city).run()

    opened = await client.post("/v1/dortmund/push/opened", headers=headers, json={"notification_id": str(nid)})
    assert opened.status_code == 204, opened.text
    async with sessions() as session:
        delivery = await session.scalar(sa.select(PushDelivery))
        assert delivery is not None and delivery.opened_at is not None
    unknown = await client.post(
        "/v1/dortmund/push/opened", headers=headers, json={"notification_id": str(uuid.uuid4())}
    )
    assert unknown.status_code == 404

    assert (await client.delete("/v1/dortmund/devices/me", headers=headers)).status_code == 204
    async with sessions() as session:
        for model in (PushSubscription, PushPreference, PushDelivery):
            assert await session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    assert device_id
