"""Dispatchers in processes of their own on one database: one killed with SIGKILL mid-fan-out,
two racing over one outbox. The real firebase-admin client sends to the local fake FCM server."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from push.dispatcher import Dispatcher
from push.models import PushDelivery, PushOutbox
from push.settings import PushSettings
from tests.push.conftest import DORTMUND, add_device, notify
from tests.push.fake_fcm import FakeFcm

Sessions = async_sessionmaker[AsyncSession]
ROOT = Path(__file__).resolve().parents[2]
BATCH = 20  # what one dispatcher has in flight at most: four calls of five
CALLS = 4
LEASE = 1.5


def start_dispatchers(database: str, count: int, lease: float = LEASE) -> list[subprocess.Popen[str]]:
    """Dispatchers in processes of their own (``tests/push/dispatch_process.py``), let go together."""
    command = [sys.executable, "-m", "tests.push.dispatch_process", database, str(BATCH), str(CALLS), str(lease)]
    processes = [
        subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "started"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    return processes


async def until(condition: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def phones(sessions: Sessions, name: str, count: int) -> list[str]:
    """Registers ``count`` devices; returns their push tokens."""
    tokens = [f"tok-{name}-{i:03d}-" + "x" * 16 for i in range(count)]
    for token in tokens:
        await add_device(sessions, token)
    return tokens


async def states(sessions: Sessions) -> Counter[str]:
    async with sessions() as session:
        return Counter((await session.scalars(sa.select(PushDelivery.state))).all())


async def outbox_states(sessions: Sessions) -> set[str]:
    async with sessions() as session:
        return set((await session.scalars(sa.select(PushOutbox.state))).all())


KILLED_LEASE = 60.0  # far longer than the take-over may take: only the dead run lock explains a quick one


async def test_killed_dispatcher_resends_at_most_one_batch_and_is_taken_over_at_once(
    fcm: FakeFcm, sessions: Sessions, database: str
) -> None:
    tokens = await phones(sessions, "kill", 120)
    await notify(sessions)
    fcm.delay = 0.05  # every call of ten is in flight for a while
    (process,) = start_dispatchers(database, 1, KILLED_LEASE)
    await until(lambda: len(fcm.received) >= 40 or process.poll() is not None, 30)
    assert process.poll() is None, "the dispatcher ended before it was killed"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    killed = time.monotonic()
    fcm.delay = 0.0

    settings = PushSettings(
        batch_size=BATCH, concurrency=CALLS, send_lease_seconds=KILLED_LEASE, quota_share=1.0, daily_cap=0
    )
    survivor = Dispatcher(DORTMUND, sessions, settings)
    try:
        while (await states(sessions))["sent"] < len(tokens):
            assert time.monotonic() - killed < 15, "the dead dispatcher's batch was not taken over"
            await survivor.run()
            await asyncio.sleep(0.1)
    finally:
        await survivor.backend.close()

    assert time.monotonic() - killed < 10  # its run lock died with it; the 60 s lease did not matter
    delivered = fcm.delivered()
    assert set(delivered) == set(tokens)  # nothing lost
    resent = sum(n - 1 for n in delivered.values())
    assert resent <= BATCH, f"{resent} re-sent, more than the one batch in flight"
    assert await states(sessions) == Counter({"sent": len(tokens)})
    assert await outbox_states(sessions) == {"done"}


async def test_two_dispatchers_deliver_every_message_exactly_once(
    fcm: FakeFcm, sessions: Sessions, database: str
) -> None:
    tokens = await phones(sessions, "pair", 100)
    notifications = {await notify(sessions), await notify(sessions)}
    fcm.delay = 0.02
    processes = start_dispatchers(database, 2)
    try:
        outputs = [process.communicate(timeout=60)[0] for process in processes]
    finally:
        for process in processes:  # a hung dispatcher must not outlive the test
            if process.poll() is None:
                process.kill()
    assert all(process.returncode == 0 for process in processes), outputs

    per_message = Counter((m["token"], m["data"]["notification_id"]) for m in fcm.received if m["_status"] == 200)
    assert set(per_message) == {(t, str(n)) for t in tokens for n in notifications}
    assert set(per_message.values()) == {1}  # every message exactly once
    sent = [int(line.split("sent=")[1].split()[0]) for out in outputs for line in out.splitlines() if "sent=" in line]
    assert sum(sent) == 200
    assert await states(sessions) == Counter({"sent": 200})
    assert await outbox_states(sessions) == {"done"}
    if "postgresql" in database:
        assert min(sent) > 0, f"one dispatcher did all the work: {sent}"  # SKIP LOCKED shares it


async def test_a_live_dispatchers_slow_batch_is_not_taken_over(fcm: FakeFcm, sessions: Sessions) -> None:
    """The lease is short, but its holder renews it: a batch in flight longer than the lease stays
    with the dispatcher that sends it, and no phone gets it twice."""
    tokens = await phones(sessions, "slow", 4)
    await notify(sessions)
    fcm.delay = 1.5  # three leases long
    settings = PushSettings(batch_size=4, concurrency=1, send_lease_seconds=0.5, quota_share=1.0, daily_cap=0)
    slow, other = Dispatcher(DORTMUND, sessions, settings), Dispatcher(DORTMUND, sessions, settings)
    try:
        sending = asyncio.create_task(slow.run())
        await until(lambda: slow.stats.batches > 0, 5)
        await asyncio.sleep(1.0)  # twice the lease: only the renewals keep the batch
        taken = await other.run()
        await sending
    finally:
        await slow.backend.close()
        await other.backend.close()
    assert taken.batches == 0
    assert fcm.delivered() == Counter(dict.fromkeys(tokens, 1))
    assert await states(sessions) == Counter({"sent": 4})
