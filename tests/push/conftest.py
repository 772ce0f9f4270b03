"""Fixtures for the push tests: the fake FCM server, a controllable clock, devices and notices."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import Notification, TenantInfo
from core.models import Device
from core.testing import tenant_info
from push import pacing
from push.backends.fcm import ENDPOINT_ENV, close_app
from push.dispatcher import Dispatcher
from push.services import PushService
from push.settings import PushSettings
from schemas import LocalizedText
from tests.push.fake_fcm import FakeFcm, FakeFcmServer, service_account

CREDENTIALS_ENV = "STADTKERN_TEST_FCM_CREDENTIALS"
BERLIN = ZoneInfo("Europe/Berlin")
DORTMUND = tenant_info("dortmund", push_backend="fcm", push_credentials_env=CREDENTIALS_ENV)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> dt.datetime:
        self.now += dt.timedelta(seconds=seconds)
        return self.now


@pytest.fixture(scope="session")
def fcm_server() -> Iterator[tuple[FakeFcm, dict[str, str]]]:
    server = FakeFcmServer()
    fake = server.start()
    yield fake, service_account(fake)
    server.stop()


@pytest.fixture
async def fcm(fcm_server: tuple[FakeFcm, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeFcm]:
    fake, credentials = fcm_server
    fake.reset()
    fake.record = True
    # HTTP/2 (h2c), as FCM itself: the default sender (push.backends.fcm_http2) speaks only HTTP/2.
    monkeypatch.setenv(ENDPOINT_ENV, fake.h2c_url)
    monkeypatch.setenv(CREDENTIALS_ENV, json.dumps(credentials))
    pacing._paused_until.clear()
    pacing._limiters.clear()
    yield fake
    await close_app("dortmund")
    pacing._paused_until.clear()


@pytest.fixture
def clock() -> Clock:
    # A winter weekday noon in Dortmund (UTC+1): outside any quiet hours the tests set.
    return Clock(dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC))


def make_dispatcher(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, tenant: TenantInfo = DORTMUND, **settings: Any
) -> Dispatcher:
    values: dict[str, Any] = {
        "quota_share": 1.0,
        "backoff_base_seconds": 10.0,
        "lease_seconds": 60.0,
        "send_lease_seconds": 60.0,
    }
    values.update(settings)
    return Dispatcher(tenant, sessions, PushSettings(**values), clock=clock)


async def add_device(
    sessions: async_sessionmaker[AsyncSession],
    token: str | None,
    locale: str = "de",
    tenant: str = "dortmund",
    created: dt.datetime | None = None,
) -> uuid.UUID:
    async with sessions() as session, session.begin():
        device = Device(
            tenant_id=tenant,
            platform="android",
            locale=locale,
            app_version="1.4.0",
            push_token=token,
            push_token_active=True,
            credential_version=1,
        )
        session.add(device)
        await session.flush()
        return device.id


def alert(**overrides: Any) -> Notification:
    values: dict[str, Any] = {
        "topic": "push.alerts",
        "title": LocalizedText(de="Unwetterwarnung", en="Severe weather warning"),
        "body": LocalizedText(de="Sturmböen ab 18 Uhr", en="Gale-force gusts from 6 pm"),
        "deep_link": "stadtkern://alerts/1",
    }
    values.update(overrides)
    return Notification(**values)


async def notify(
    sessions: async_sessionmaker[AsyncSession], clock: Clock | None = None, tenant: str = "dortmund", **overrides: Any
) -> uuid.UUID:
    """Commits one notification; with ``clock``, its row is stamped at the clock's time."""
    from push.models import PushOutbox

    async with sessions() as session, session.begin():
        notification_id = await PushService().notify(session, tenant_info(tenant), alert(**overrides))
        if clock is not None:
            row = await session.get(PushOutbox, notification_id)
            assert row is not None
            row.created_at = clock.now
            row.next_attempt_at = max(clock.now, row.not_before) if row.not_before else clock.now
        return notification_id
