"""The dispatcher driving the real firebase-admin client against a local fake FCM server."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import Audience, TenantInfo
from core.models import Device
from push.backends.base import OutMessage, SendResult
from push.backends.fcm import ENDPOINT_ENV
from push.models import PushDelivery, PushOutbox, PushPreference, PushSubscription
from push.services import PushService
from tests.push.conftest import BERLIN, DORTMUND, Clock, add_device, alert, make_dispatcher, notify
from tests.push.fake_fcm import (
    INVALID_ARGUMENT,
    SENDER_ID_MISMATCH,
    UNAVAILABLE,
    UNREGISTERED,
    FakeFcm,
    quota_exceeded,
)

Sessions = async_sessionmaker[AsyncSession]


async def deliveries(sessions: Sessions, notification_id: uuid.UUID | None = None) -> dict[uuid.UUID, PushDelivery]:
    async with sessions() as session:
        stmt = sa.select(PushDelivery)
        if notification_id is not None:
            stmt = stmt.where(PushDelivery.notification_id == notification_id)
        return {d.device_id: d for d in await session.scalars(stmt)}


async def outbox_state(sessions: Sessions, notification_id: uuid.UUID) -> str:
    async with sessions() as session:
        row = await session.get(PushOutbox, notification_id)
        assert row is not None
        return row.state


async def test_success_in_each_device_language(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    german = await add_device(sessions, "tok-de-" + "x" * 20, "de")
    english = await add_device(sessions, "tok-en-" + "x" * 20, "en")
    await add_device(sessions, None, "de")  # no token: never targeted
    nid = await notify(sessions, clock, priority="high", collapse_key="storm", data={"kind": "weather"})

    stats = await make_dispatcher(sessions, clock).run()

    assert stats.sent == 2 and stats.targeted == 2
    by_token = {m["token"]: m for m in fcm.received}
    assert by_token["tok-de-" + "x" * 20]["notification"] == {
        "title": "Unwetterwarnung",
        "body": "Sturmböen ab 18 Uhr",
    }
    en = by_token["tok-en-" + "x" * 20]
    assert en["notification"]["title"] == "Severe weather warning"
    assert en["data"] == {"kind": "weather", "notification_id": str(nid), "deep_link": "stadtkern://alerts/1"}
    assert en["android"]["priority"] == "high" and en["android"]["collapse_key"] == "storm"
    assert en["apns"]["headers"]["apns-priority"] == "10"
    assert en["apns"]["headers"]["apns-collapse-id"] == "storm" and en["android"]["notification"]["tag"] == "storm"
    assert fcm.token_requests >= 1  # the service-account key was exchanged at the fake token endpoint
    rows = await deliveries(sessions, nid)
    assert {rows[german].state, rows[english].state} == {"sent"}
    assert rows[german].locale == "de" and rows[english].sent_at is not None
    assert await outbox_state(sessions, nid) == "done"
    # a second run sends nothing again
    await make_dispatcher(sessions, clock).run()
    assert len(fcm.received) == 2


async def test_language_falls_back_to_german(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    await add_device(sessions, "tok-en-only-german-text-1", "en")
    from schemas import LocalizedText

    await notify(sessions, clock, title=LocalizedText(de="Nur Deutsch"), body=LocalizedText(de="Text"))
    await make_dispatcher(sessions, clock).run()
    assert fcm.received[0]["notification"]["title"] == "Nur Deutsch"


@pytest.mark.parametrize("reply", [UNREGISTERED, SENDER_ID_MISMATCH], ids=["unregistered", "sender_mismatch"])
async def test_dead_token_is_deactivated_and_not_used_again(
    fcm: FakeFcm, sessions: Sessions, clock: Clock, reply: object
) -> None:
    dead = await add_device(sessions, "tok-dead-" + "y" * 20)
    alive = await add_device(sessions, "tok-alive-" + "y" * 20)
    fcm.always["tok-dead-" + "y" * 20] = reply  # type: ignore[assignment]
    first = await notify(sessions, clock)
    second = await notify(sessions, clock)  # already queued for the dead token too

    stats = await make_dispatcher(sessions, clock, concurrency=1, batch_size=2).run()

    assert stats.deactivated == 1
    async with sessions() as session:
        device = await session.get(Device, dead)
        assert device is not None and device.push_token_active is False
    rows = await deliveries(sessions)
    assert fcm.attempts()["tok-dead-" + "y" * 20] == 1
    assert fcm.delivered()["tok-alive-" + "y" * 20] == 2
    dead_rows = [d for d in rows.values() if d.device_id == dead]
    assert all(d.state == "failed" for d in dead_rows)
    # a later notification does not even target it
    third = await notify(sessions, clock)
    clock.advance(5)
    await make_dispatcher(sessions, clock).run()
    assert fcm.attempts()["tok-dead-" + "y" * 20] == 1
    assert dead not in await deliveries(sessions, third)
    assert alive in await deliveries(sessions, third)
    assert {await outbox_state(sessions, n) for n in (first, second, third)} == {"done"}


async def test_over_http2_like_fcm_itself(
    fcm: FakeFcm, sessions: Sessions, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK speaks HTTP/2 to FCM; through the fake's h2c listener the outcomes are the same."""
    monkeypatch.setenv(ENDPOINT_ENV, fcm.h2c_url)
    good = await add_device(sessions, "tok-h2-good-" + "z" * 20, "en")
    dead = await add_device(sessions, "tok-h2-dead-" + "z" * 20)
    fcm.always["tok-h2-dead-" + "z" * 20] = UNREGISTERED
    nid = await notify(sessions, clock)

    stats = await make_dispatcher(sessions, clock).run()

    assert stats.sent == 1 and stats.deactivated == 1
    assert fcm.h2_requests == 2  # both messages went over HTTP/2, none over HTTP/1.1
    assert fcm.delivered()["tok-h2-good-" + "z" * 20] == 1
    rows = await deliveries(sessions, nid)
    assert rows[good].state == "sent" and rows[dead].state == "failed"
    async with sessions() as session:
        device = await session.get(Device, dead)
        assert device is not None and device.push_token_active is False


async def test_quota_exceeded_waits_for_retry_after(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    token = "tok-quota-" + "z" * 20
    device = await add_device(sessions, token)
    fcm.rules[token] = [quota_exceeded(120)]
    nid = await notify(sessions, clock)
    start = clock.now

    await make_dispatcher(sessions, clock).run()
    row = (await deliveries(sessions, nid))[device]
    assert row.state == "queued" and row.attempts == 1
    assert row.next_attempt_at >= start + dt.timedelta(seconds=120)
    assert "QUOTA_EXCEEDED" in (row.error or "")

    clock.advance(60)  # before Retry-After: nothing is sent
    await make_dispatcher(sessions, clock).run()
    assert fcm.attempts()[token] == 1
    clock.advance(row.next_attempt_at.timestamp() - clock.now.timestamp() + 1)
    await make_dispatcher(sessions, clock).run()
    assert fcm.delivered()[token] == 1
    assert (await deliveries(sessions, nid))[device].state == "sent"


async def test_unavailable_is_retried_with_backoff(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    token = "tok-503-" + "w" * 20
    device = await add_device(sessions, token)
    fcm.rules[token] = [UNAVAILABLE]
    nid = await notify(sessions, clock)

    await make_dispatcher(sessions, clock).run()
    row = (await deliveries(sessions, nid))[device]
    assert row.state == "queued" and "UNAVAILABLE" in (row.error or "")
    delay = (row.next_attempt_at - clock.now).total_seconds()
    assert 5 <= delay <= 15  # 10 s base with jitter
    assert await outbox_state(sessions, nid) == "expanded"

    clock.advance(delay + 1)
    await make_dispatcher(sessions, clock).run()
    assert fcm.attempts()[token] == 2 and fcm.delivered()[token] == 1
    row = (await deliveries(sessions, nid))[device]
    assert row.state == "sent" and row.attempts == 2
    assert await outbox_state(sessions, nid) == "done"


async def test_gives_up_after_max_attempts(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    token = "tok-down-" + "v" * 20
    device = await add_device(sessions, token)
    fcm.always[token] = UNAVAILABLE
    nid = await notify(sessions, clock)
    for _ in range(5):
        await make_dispatcher(sessions, clock, max_attempts=3).run()
        clock.advance(3600)
    assert fcm.attempts()[token] == 3
    row = (await deliveries(sessions, nid))[device]
    assert row.state == "dead" and row.attempts == 3
    assert await outbox_state(sessions, nid) == "done"


async def test_invalid_argument_is_not_retried(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    token = "tok-bad-" + "u" * 20
    device = await add_device(sessions, token)
    fcm.always[token] = INVALID_ARGUMENT
    nid = await notify(sessions, clock)
    await make_dispatcher(sessions, clock).run()
    clock.advance(86_400)
    await make_dispatcher(sessions, clock).run()
    assert fcm.attempts()[token] == 1
    row = (await deliveries(sessions, nid))[device]
    assert row.state == "failed" and "INVALID_ARGUMENT" in (row.error or "")
    async with sessions() as session:
        still = await session.get(Device, device)
        assert still is not None and still.push_token_active is True


async def test_rollback_sends_nothing(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    await add_device(sessions, "tok-rollback-" + "t" * 20)
    async with sessions() as session, session.begin():
        await PushService().notify(session, DORTMUND, alert())
        await session.rollback()
    await make_dispatcher(sessions, clock).run()
    assert fcm.received == []
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(PushOutbox)) == 0


async def test_unknown_topic_is_refused(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(ValueError, match=r"waste\.pickups"):
            # waste is enabled in Schwerte only, so Dortmund offers none of its topics
            await PushService().notify(session, DORTMUND, alert(topic="waste.pickups"))


async def test_quiet_hours_defer_to_their_end(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    sleeper = await add_device(sessions, "tok-sleep-" + "s" * 20)
    awake = await add_device(sessions, "tok-awake-" + "s" * 20)
    async with sessions() as session, session.begin():
        session.add(PushPreference(tenant_id="dortmund", device_id=sleeper, quiet_start=22 * 60, quiet_end=7 * 60))
    clock.now = dt.datetime(2026, 11, 23, 23, 30, tzinfo=BERLIN).astimezone(dt.UTC)
    nid = await notify(sessions, clock)

    await make_dispatcher(sessions, clock).run()
    rows = await deliveries(sessions, nid)
    assert rows[awake].state == "sent"
    assert rows[sleeper].state == "queued" and rows[sleeper].deferred_reason == "quiet_hours"
    assert rows[sleeper].next_attempt_at == dt.datetime(2026, 11, 24, 7, 0, tzinfo=BERLIN)
    assert "tok-sleep-" + "s" * 20 not in fcm.attempts()

    clock.now = dt.datetime(2026, 11, 24, 6, 59, tzinfo=BERLIN).astimezone(dt.UTC)
    await make_dispatcher(sessions, clock).run()
    assert "tok-sleep-" + "s" * 20 not in fcm.attempts()
    clock.now = dt.datetime(2026, 11, 24, 7, 0, tzinfo=BERLIN).astimezone(dt.UTC)
    await make_dispatcher(sessions, clock).run()
    assert fcm.delivered()["tok-sleep-" + "s" * 20] == 1


async def test_subscriptions_and_audience_choose_devices(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    opted_out = await add_device(sessions, "tok-out-" + "r" * 20)
    north = await add_device(sessions, "tok-north-" + "r" * 20)
    anywhere = await add_device(sessions, "tok-any-" + "r" * 20)
    news_only = await add_device(sessions, "tok-news-" + "r" * 20)
    async with sessions() as session, session.begin():
        session.add_all(
            [
                PushSubscription(
                    tenant_id="dortmund",
                    device_id=opted_out,
                    topic="push.alerts",
                    enabled=False,
                    districts=[],
                    categories=[],
                ),
                PushSubscription(
                    tenant_id="dortmund",
                    device_id=north,
                    topic="push.alerts",
                    enabled=True,
                    districts=["nord"],
                    categories=[],
                ),
                PushSubscription(
                    tenant_id="dortmund",
                    device_id=news_only,
                    topic="push.news",
                    enabled=True,
                    districts=["sued"],
                    categories=[],
                ),
            ]
        )
    alerts_south = await notify(sessions, clock, audience=Audience(districts=("sued",)))
    alerts_all = await notify(sessions, clock)
    news = await notify(sessions, clock, topic="push.news")  # default off: only explicit opt-ins
    await make_dispatcher(sessions, clock).run()

    assert set(await deliveries(sessions, alerts_south)) == {anywhere, news_only}
    assert set(await deliveries(sessions, alerts_all)) == {north, anywhere, news_only}
    assert set(await deliveries(sessions, news)) == {news_only}


async def test_daily_cap_skips_but_high_priority_passes(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    device = await add_device(sessions, "tok-cap-" + "q" * 20)
    first = await notify(sessions, clock)
    second = await notify(sessions, clock)
    urgent = await notify(sessions, clock, priority="high")
    await make_dispatcher(sessions, clock, daily_cap=1, concurrency=1).run()
    states = {n: (await deliveries(sessions, n))[device].state for n in (first, second, urgent)}
    assert sorted(states.values()) == ["sent", "sent", "skipped"]
    assert states[urgent] == "sent"
    assert fcm.delivered()["tok-cap-" + "q" * 20] == 2


async def test_not_before_holds_the_notification(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    await add_device(sessions, "tok-later-" + "p" * 20)
    nid = await notify(sessions, clock, not_before=clock.now + dt.timedelta(hours=1))
    await make_dispatcher(sessions, clock).run()
    assert fcm.received == [] and await outbox_state(sessions, nid) == "pending"
    clock.advance(3601)
    await make_dispatcher(sessions, clock).run()
    assert len(fcm.received) == 1


class Crash(BaseException):
    """Stands in for the process dying (not an Exception: nothing may catch it)."""


class CrashingBackend:
    """The real FCM backend, dying right after the n-th batch went out and before it is recorded."""

    name = "fcm"

    def __init__(self, inner: object, crash_after: int) -> None:
        self.inner = inner
        self.calls = 0
        self.crash_after = crash_after

    async def send(self, messages: list[OutMessage]) -> list[SendResult]:
        self.calls += 1
        results: list[SendResult] = await self.inner.send(messages)  # type: ignore[attr-defined]
        if self.calls == self.crash_after:
            raise Crash
        return results

    async def close(self) -> None:
        return None


async def test_crash_mid_batch_resends_at_most_the_batch_in_flight(
    fcm: FakeFcm, sessions: Sessions, clock: Clock
) -> None:
    tokens = [f"tok-crash-{i:02d}-" + "o" * 16 for i in range(12)]
    for token in tokens:
        await add_device(sessions, token)
    nid = await notify(sessions, clock)
    first = make_dispatcher(sessions, clock, batch_size=5, concurrency=1)
    first.backend = CrashingBackend(first.backend, crash_after=2)
    with pytest.raises(Crash):
        await first.run()
    assert sum(fcm.delivered().values()) == 10

    # Restarted long before the lease ends: the crashed run holds no run lock any more, so its
    # unrecorded batch goes out again at once (push.liveness), with the rest.
    clock.advance(1)
    await make_dispatcher(sessions, clock, batch_size=5, concurrency=1).run()

    delivered = fcm.delivered()
    assert set(delivered) == set(tokens)
    twice = [t for t, n in delivered.items() if n > 1]
    assert len(twice) == 5 and max(delivered.values()) == 2
    rows = await deliveries(sessions, nid)
    assert {d.state for d in rows.values()} == {"sent"} and len(rows) == 12
    assert await outbox_state(sessions, nid) == "done"


async def test_log_backend_records_and_labels(
    sessions: Sessions, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    await add_device(sessions, "tok-log-" + "n" * 20, "en")
    nid = await notify(sessions, clock)
    tenant = TenantInfo(slug="dortmund", name="Dortmund", locales=("de", "en"), time_zone=BERLIN)
    with caplog.at_level(logging.INFO, logger="stadtkern.push"):
        stats = await make_dispatcher(sessions, clock, tenant=tenant).run()
    assert stats.sent == 1
    assert "[PUSH LOG BACKEND - NOT SENT]" in caplog.text and "Severe weather warning" in caplog.text
    assert {d.state for d in (await deliveries(sessions, nid)).values()} == {"sent"}
    assert DORTMUND.push_backend == "fcm"


async def test_a_notification_left_expanded_with_nothing_open_is_settled(
    fcm: FakeFcm, sessions: Sessions, clock: Clock
) -> None:
    """Two dispatchers recording the last batches of one notification at once could each see the
    other's batch as still sending; the recording now locks the notification, and an idle run
    sweeps up any notification that has nothing left to send (e.g. after a crash)."""
    await add_device(sessions, "tok-settle-" + "q" * 20)
    nid = await notify(sessions, clock)
    await make_dispatcher(sessions, clock).run()
    assert await outbox_state(sessions, nid) == "done"
    async with sessions() as session, session.begin():  # the state a lost race left behind
        await session.execute(sa.update(PushOutbox).where(PushOutbox.id == nid).values(state="expanded"))

    stats = await make_dispatcher(sessions, clock).run()

    assert stats.batches == 0 and len(fcm.received) == 1  # nothing sent again
    assert await outbox_state(sessions, nid) == "done"
