"""``python -m tests.push.dispatch_process URL BATCH CONCURRENCY LEASE``: a dispatcher for Dortmund
in a process of its own (the crash and two-dispatcher tests kill or race it).

It prints ``started``, waits for a line on stdin (so racing processes start together), then runs
the dispatcher again and again, as the worker's job would, until every notification is settled.
The fake FCM endpoint and credentials come from the environment, as in the tests.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.db import create_engine
from core.testing.support import configure_manifest, tenant_info
from push.dispatcher import Dispatcher
from push.models import OUTBOX_EXPANDED, OUTBOX_EXPANDING, OUTBOX_PENDING, PushOutbox
from push.settings import PushSettings

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.toml"
CREDENTIALS_ENV = "STADTKERN_TEST_FCM_CREDENTIALS"  # tests/push/conftest.py's (importing it builds its city)


async def main(url: str, batch_size: int, concurrency: int, lease: float) -> None:
    """Runs the dispatcher until every notification is settled; prints its figures."""
    configure_manifest(MANIFEST)
    city = tenant_info("dortmund", push_backend="fcm", push_credentials_env=CREDENTIALS_ENV)  # as in the tests
    engine = create_engine(url)
    settings = PushSettings(
        batch_size=batch_size, concurrency=concurrency, send_lease_seconds=lease, quota_share=1.0, daily_cap=0
    )
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    dispatcher = Dispatcher(city, sessions, settings)
    open_ = sa.select(sa.func.count()).where(PushOutbox.state.in_([OUTBOX_PENDING, OUTBOX_EXPANDING, OUTBOX_EXPANDED]))
    print("started", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    try:
        while True:
            stats = await dispatcher.run()
            async with sessions() as session:
                if not await session.scalar(open_):
                    break
            await asyncio.sleep(0.05)
    finally:
        await dispatcher.backend.close()
        await engine.dispose()
    print(f"sent={stats.sent} batches={stats.batches}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
