"""Helpers of bench/push_fanout.py: the fake FCM process, the seeded city, process sync, CPU."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def start_fake_fcm() -> tuple[subprocess.Popen[str], str, str, dict[str, str]]:
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
    h2c_url = proc.stdout.readline().strip()
    return proc, f"http://127.0.0.1:{port}", h2c_url, credentials


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


def bench_tenant() -> Any:
    from core.loader import build_plan
    from core.manifest import parse_manifest

    return build_plan(parse_manifest(MANIFEST)).tenants[CITY].info


def bench_settings(concurrency: int) -> Any:
    from push.settings import PushSettings

    # No pacing and no daily cap: the benchmark measures the pipeline, not the quota.
    return PushSettings(
        concurrency=concurrency, fcm_quota_per_minute=10**9, quota_share=1.0, max_run_seconds=3600, daily_cap=0
    )


def token(i: int) -> str:
    return f"bench-token-{i:08d}-" + "x" * 120


async def notify_once(factory: async_sessionmaker[AsyncSession], tenant: Any) -> None:
    from core.api import Notification
    from push.services import PushService
    from schemas import LocalizedText

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


class Sync:
    def __init__(self, ctx: Any, parties: int) -> None:
        self.ready = ctx.Barrier(parties)
        self.go = ctx.Event()
        self.results = ctx.Queue()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def create_database_if_missing(url: str) -> None:
    """The PostgreSQL database of ``url``, created (through the server's ``postgres`` database) when absent."""
    from sqlalchemy.ext.asyncio import create_async_engine

    target = sa.engine.make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not exists:
                name = str(target.database).replace('"', '""')
                await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                print(f"created database {target.database}")
    finally:
        await admin.dispose()
