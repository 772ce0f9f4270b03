"""A dispatcher run's lock (push.liveness): alive while held, dead when given up, when its process
dies, and — on PostgreSQL — when it stops pinging, as a frozen process does."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from push.liveness import RunLock, claimer_of, dead_among, token_for

Sessions = async_sessionmaker[AsyncSession]

HOLD = """
import asyncio, sys
from core.db import create_engine
from sqlalchemy.ext.asyncio import async_sessionmaker
from push.liveness import RunLock

async def main():
    lock = await RunLock.of(async_sessionmaker(create_engine(sys.argv[1])))
    print(await lock.take(), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def start_holder(database: str) -> tuple[subprocess.Popen[str], int]:
    """A process that takes a run lock and holds it; and the lock's claimer."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, database], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    return holder, int(holder.stdout.readline())


async def dead(sessions: Sessions, claimer: int) -> bool:
    async with sessions() as session:
        return claimer in await dead_among(session, {claimer})


def test_a_token_names_its_claimer_and_a_random_one_names_none() -> None:
    assert claimer_of(token_for(0x1234ABCD)) == 0x1234ABCD
    assert claimer_of(token_for(None)) is None  # a plain UUID4: never taken for a dead claimer
    assert len(token_for(7)) == 36


async def test_a_held_lock_is_alive_and_a_released_one_dead(sessions: Sessions) -> None:
    lock = await RunLock.of(sessions)
    claimer = await lock.take()
    assert claimer is not None
    assert not await dead(sessions, claimer)
    assert await lock.take() == claimer  # one lock per run
    await lock.release()
    assert await dead(sessions, claimer)


async def test_the_lock_dies_with_its_process(sessions: Sessions, database: str) -> None:
    holder, claimer = start_holder(database)
    try:
        assert not await dead(sessions, claimer)
        holder.kill()  # SIGKILL: no clean-up of its own
        holder.wait(10)
        deadline = time.monotonic() + 5
        while not await dead(sessions, claimer):
            assert time.monotonic() < deadline, "the killed process's lock still looks alive"
            await asyncio.sleep(0.05)
    finally:
        holder.kill()


async def test_a_lock_that_stops_pinging_is_ended_by_the_server(sessions: Sessions, database: str) -> None:
    if "postgresql" not in database:
        pytest.skip("idle_session_timeout is PostgreSQL's; a frozen SQLite process keeps its flock")
    lock = await RunLock.of(sessions)
    claimer = await lock.take()
    assert claimer is not None
    # as in a process stopped with SIGSTOP: the pings stop, the connection sits idle
    lock._stop.set()
    assert lock._keeper is not None
    await lock._keeper
    assert not await dead(sessions, claimer)
    deadline = time.monotonic() + 10
    while not await dead(sessions, claimer):
        assert time.monotonic() < deadline, "the idle lock connection was not ended"
        await asyncio.sleep(0.2)
    await lock.release()  # gives up a dead connection without an error
