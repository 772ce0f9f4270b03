"""Push fan-out benchmark: one notification to N subscribed devices, dispatcher vs. bare SDK.

    .venv/bin/python bench/push_fanout.py --devices 100000 [--database-url postgresql+asyncpg://...]

1. Starts the fake FCM server (tests/push/fake_fcm.py) in a separate process, so it does not
   share this process's interpreter lock.
2. Migrates a fresh database (SQLite file by default), adds N devices subscribed to a topic.
3. Dispatcher: notify() once, then dispatcher runs until every delivery is recorded
   (claiming, expanding, per-device language, sending through firebase-admin, recording).
4. Ceiling: the same N messages, pre-built, through firebase-admin's ``send_each_async`` alone,
   in the same batch size and concurrency, against the same server.

Prints both rates, peak memory, and as the last line
``dispatcher_per_s=<n> ceiling_per_s=<n> ratio=<dispatcher/ceiling>``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from advanced_alchemy.mixins.uuid import uuid7  # type: ignore[attr-defined]
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

CITY = "benchstadt"
CREDENTIALS_ENV = "STADTKERN_BENCH_FCM_CREDENTIALS"
MANIFEST = f"""
[tenants.{CITY}]
name = "Benchstadt"
locales = ["de", "en"]
time_zone = "Europe/Berlin"
push_backend = "fcm"
push_credentials_env = "{CREDENTIALS_ENV}"
"""


def start_fake_fcm() -> tuple[subprocess.Popen[str], str, dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.push.fake_fcm"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    credentials = json.loads(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}", credentials


async def seed(factory: async_sessionmaker[AsyncSession], devices: int) -> None:
    from core.models import Device
    from push.models import PushSubscription

    now = dt.datetime.now(dt.UTC)
    chunk = 5_000
    async with factory() as session, session.begin():
        for start in range(0, devices, chunk):
            ids = [uuid7() for _ in range(start, min(devices, start + chunk))]
            dev_rows: list[dict[str, Any]] = []
            sub_rows: list[dict[str, Any]] = []
            for i, device_id in enumerate(ids, start):
                dev_rows.append(
                    {
                        "id": device_id,
                        "tenant_id": CITY,
                        "locale": "en" if i % 3 == 0 else "de",
                        "push_token": f"bench-token-{i:08d}-" + "x" * 120,
                        "push_token_active": True,
                    }
                )
                sub_rows.append(
                    {
                        "id": uuid7(),
                        "created_at": now,
                        "updated_at": now,
                        "tenant_id": CITY,
                        "device_id": device_id,
                        "topic": "push.news",
                        "enabled": True,
                        "districts": [],
                        "categories": [],
                        "opted_in_at": now,
                    }
                )
            await session.execute(
                sa.insert(Device),
                [
                    {
                        **r,
                        "created_at": now,
                        "updated_at": now,
                        "platform": "android",
                        "app_version": "1.4.0",
                        "credential_version": 1,
                    }
                    for r in dev_rows
                ],
            )
            await session.execute(sa.insert(PushSubscription), sub_rows)


async def run_dispatcher(
    factory: async_sessionmaker[AsyncSession], tenant: Any, devices: int, concurrency: int
) -> float:
    from core.api import Notification
    from push.dispatcher import Dispatcher
    from push.services import PushService
    from push.settings import PushSettings
    from schemas import LocalizedText

    settings = PushSettings(
        concurrency=concurrency, fcm_quota_per_minute=10**9, quota_share=1.0, max_run_seconds=3600, daily_cap=0
    )
    started = time.perf_counter()
    async with factory() as session, session.begin():
        await PushService().notify(
            session,
            tenant,
            Notification(
                topic="push.news",
                title=LocalizedText(de="Stadtfest am Samstag", en="City festival on Saturday"),
                body=LocalizedText(de="Ab 14 Uhr in der Innenstadt", en="From 2 pm in the city centre"),
                deep_link="stadtkern://events/123",
            ),
        )
    sent = 0
    while sent < devices:
        dispatcher = Dispatcher(tenant, factory, settings)
        stats = await dispatcher.run()
        sent += stats.sent
        if not stats.sent and not stats.expanded:
            raise RuntimeError(f"dispatcher stalled at {sent} of {devices}: {stats}")
    return devices / (time.perf_counter() - started)


async def run_ceiling(tenant: Any, devices: int, concurrency: int, *, check: bool = True) -> float:
    from firebase_admin import messaging

    from push.backends.base import OutMessage
    from push.backends.fcm import build_message, configure_service, firebase_app

    app = firebase_app(tenant.slug, tenant.push_credentials_env)
    configure_service(app)  # same endpoint and retry settings as the dispatcher's backend
    messages = [
        build_message(
            OutMessage(
                delivery_id=uuid.uuid4(),
                notification_id=uuid.uuid4(),
                device_id=uuid.uuid4(),
                token=f"bench-token-{i:08d}-" + "x" * 120,
                title="City festival on Saturday",
                body="From 2 pm in the city centre",
                deep_link="stadtkern://events/123",
            )
        )
        for i in range(devices)
    ]
    batches = [messages[i : i + 500] for i in range(0, len(messages), 500)]
    queue: asyncio.Queue[list[Any]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)

    async def worker() -> None:
        while not queue.empty():
            batch = queue.get_nowait()
            response = await messaging.send_each_async(batch, app=app)
            if check and response.failure_count:
                raise RuntimeError(f"{response.failure_count} of {len(batch)} sends failed in the ceiling run")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return devices / (time.perf_counter() - started)


async def main_async(args: argparse.Namespace) -> None:
    from core.db import create_engine, session_factory
    from core.loader import build_plan
    from core.manifest import parse_manifest
    from core.migrate import upgrade
    from push.backends.fcm import ENDPOINT_ENV, close_app
    from push.dispatcher import _limiters

    proc, base_url, credentials = start_fake_fcm()
    os.environ[ENDPOINT_ENV] = base_url
    os.environ[CREDENTIALS_ENV] = json.dumps(credentials)
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.db"
    engine = create_engine(url)
    try:
        plan = build_plan(parse_manifest(MANIFEST))
        tenant = plan.tenants[CITY].info
        if url.startswith("postgresql"):
            async with engine.begin() as conn:
                await conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        await upgrade(engine, plan)
        factory = session_factory(engine)
        t0 = time.perf_counter()
        await seed(factory, args.devices)
        print(f"seeded {args.devices} devices in {time.perf_counter() - t0:.1f} s ({engine.dialect.name})")
        # Warm up both paths alike: the OAuth token and the connection pool exist before timing.
        await run_ceiling(tenant, min(args.devices, 500), 1, check=False)
        _limiters.clear()

        dispatcher_rate = await run_dispatcher(factory, tenant, args.devices, args.concurrency)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"dispatcher: {dispatcher_rate:,.0f} messages/s (claim, expand, send, record); peak RSS {peak_mb:.0f} MB")
        ceiling = await run_ceiling(tenant, args.devices, args.concurrency)
        print(f"ceiling (send_each_async alone, pre-built messages): {ceiling:,.0f} messages/s")
        await close_app(tenant.slug)
        print(
            f"dispatcher_per_s={dispatcher_rate:.0f} ceiling_per_s={ceiling:.0f} ratio={dispatcher_rate / ceiling:.3f}"
        )
    finally:
        await engine.dispose()
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)
        tmp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=4, help="batches of 500 in flight")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file (PostgreSQL: dropped!)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
