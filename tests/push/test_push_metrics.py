"""What operators see of push on /metrics: deliveries by result, tokens given up, the backlog."""

from __future__ import annotations

import datetime as dt

from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import utcnow
from push.metrics import observe_backlog
from tests.push.conftest import Clock, add_device, make_dispatcher, notify
from tests.push.fake_fcm import UNREGISTERED, FakeFcm

Sessions = async_sessionmaker[AsyncSession]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_deliveries_count_by_result_and_dead_tokens_by_code(fcm: FakeFcm, sessions: Sessions) -> None:
    clock = Clock(utcnow())
    await add_device(sessions, "tok-metrics-dead-" + "m" * 20)
    await add_device(sessions, "tok-metrics-alive-" + "m" * 20)
    fcm.always["tok-metrics-dead-" + "m" * 20] = UNREGISTERED
    sent = sample("stadtkern_push_deliveries_total", tenant="dortmund", result="sent")
    failed = sample("stadtkern_push_deliveries_total", tenant="dortmund", result="failed")
    dropped = sample("stadtkern_push_token_deactivations_total", tenant="dortmund", reason="UNREGISTERED")
    await notify(sessions, clock)

    stats = await make_dispatcher(sessions, clock).run()

    assert stats.sent == 1 and stats.deactivated == 1
    assert sample("stadtkern_push_deliveries_total", tenant="dortmund", result="sent") - sent == 1
    assert sample("stadtkern_push_deliveries_total", tenant="dortmund", result="failed") - failed == 1
    assert sample("stadtkern_push_token_deactivations_total", tenant="dortmund", reason="UNREGISTERED") - dropped == 1


async def test_backlog_shows_waiting_notifications_and_their_age(fcm: FakeFcm, sessions: Sessions) -> None:
    two_minutes_ago = Clock(utcnow() - dt.timedelta(seconds=120))
    await add_device(sessions, "tok-metrics-backlog-" + "m" * 20)
    await notify(sessions, two_minutes_ago)
    await notify(sessions, two_minutes_ago)
    await notify(sessions, Clock(utcnow()), not_before=utcnow() + dt.timedelta(hours=1))  # not due: no backlog

    await observe_backlog(sessions, "dortmund", force=True)

    assert sample("stadtkern_push_outbox_backlog", tenant="dortmund", state="pending") == 2
    assert 120 <= sample("stadtkern_push_outbox_oldest_age_seconds", tenant="dortmund") < 300
    assert sample("stadtkern_push_outbox_backlog", tenant="schwerte", state="pending") == 0

    await make_dispatcher(sessions, Clock(utcnow())).run()
    await observe_backlog(sessions, "dortmund", force=True)

    assert sample("stadtkern_push_outbox_backlog", tenant="dortmund", state="pending") == 0
    assert sample("stadtkern_push_outbox_backlog", tenant="dortmund", state="expanded") == 0
    assert sample("stadtkern_push_outbox_oldest_age_seconds", tenant="dortmund") == 0
    assert sample("stadtkern_push_deliveries_queued", tenant="dortmund") == 0
