"""What reaches FCM for one notification: the fields a phone acts on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.push.conftest import Clock, add_device, make_dispatcher, notify
from tests.push.fake_fcm import FakeFcm

Sessions = async_sessionmaker[AsyncSession]


async def test_a_resent_message_replaces_the_first_on_the_phone(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    """Without a collapse key of its own, the notification id collapses a re-send (after a crash)."""
    await add_device(sessions, "tok-collapse-" + "x" * 20, "de")
    nid = await notify(sessions, clock)
    await make_dispatcher(sessions, clock).run()
    [message] = fcm.received
    assert message["android"]["collapse_key"] == str(nid)
    assert message["android"]["notification"]["tag"] == str(nid)
    assert message["apns"]["headers"]["apns-collapse-id"] == str(nid)
