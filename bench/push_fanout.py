"""Push fan-out benchmark: one notification to N subscribed devices, dispatcher vs. bare SDK.

    .venv/bin/python bench/push_fanout.py --devices 100000 [--database-url postgresql+asyncpg://...]
        [--processes 2] [--concurrency 4] [--sender http2|sdk] [--http1]

1. Starts the fake FCM server (tests/push/fake_fcm.py) in a separate process, so it does not
   share this process's interpreter lock. It is spoken to in HTTP/2 (h2c, prior knowledge), as
   firebase-admin speaks to FCM; ``--http1`` uses its HTTP/1.1 port instead (httpx's HTTP/1.1
   connection pool is far costlier per request: that measures httpcore, not the pipeline).
2. Migrates a fresh database (SQLite file by default), adds N devices subscribed to a topic.
3. Warm-up, excluded from both timings: the OAuth token is fetched and the HTTP/2 connection
   opened (a 500-message ``send_each_async``, and for the dispatcher 500 through its own sender),
   in every sending process.
4. Dispatcher: notify() once, then ``--processes`` dispatcher processes (each a fresh process)
   run until every delivery is recorded (claiming with SKIP LOCKED on PostgreSQL, expanding,
   per-device language, sending, recording). It sends with the default sender, the HTTP/2 one
   (``push.backends.fcm_http2``: firebase-admin's credentials and requests, h2 transport), or
   with ``--sender sdk`` through firebase-admin's ``send_each_async`` (``STADTKERN_FCM_SENDER``).
5. Ceiling (unchanged, the reference): the same N messages, pre-built, through firebase-admin's
   ``send_each_async`` alone,
   in the same call size (``batch_size`` shared by the calls in flight), concurrency and number
   of processes, against the same server, run
   once before and once after the dispatcher (the mean is the ceiling: on a shared machine the
   two brackets show the noise).

Prints both rates, peak memory (RSS of a sending process), and as the last line
``dispatcher_per_s=<n> ceiling_per_s=<n> ratio=<dispatcher/ceiling>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.push_fanout_setup import (
    CITY,
    CREDENTIALS_ENV,
    MANIFEST,
    Sync,
    bench_settings,
    bench_tenant,
    cpu_seconds,
    create_database_if_missing,
    notify_once,
    seed,
    start_fake_fcm,
    token,
)


async def warm_up_sender(tenant: Any) -> None:
    """The dispatcher's own sender (``STADTKERN_FCM_SENDER``), warmed as the SDK is below: its
    token and HTTP/2 connections are the city's, so the dispatcher's runs reuse them."""
    from push.backends import make_backend
    from push.backends.base import OutMessage

    backend = make_backend(tenant)
    batch = [OutMessage(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), token(i), "warm-up", "warm-up") for i in range(500)]
    results = await backend.send(batch)
    if not all(r.ok for r in results):
        raise RuntimeError(f"warm-up through {type(backend).__name__} failed: {results[0]}")


async def warm_up(tenant: Any) -> Any:
    """OAuth token and HTTP connection, before any timing (a full batch of 500 to a dummy token)."""
    from firebase_admin import messaging

    from push.backends.base import OutMessage
    from push.backends.fcm import build_message, configure_service, firebase_app

    app = firebase_app(tenant.slug, tenant.push_credentials_env)
    configure_service(app)  # same endpoint, protocol and retry settings as the dispatcher's backend
    batch = [
        build_message(OutMessage(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), token(i), "warm-up", "warm-up"))
        for i in range(500)
    ]
    await messaging.send_each_async(batch, app=app)
    return app


async def ceiling_child(tenant: Any, args: argparse.Namespace, index: int, sync: Any) -> dict[str, Any]:
    """``send_each_async`` alone: this process's share of the N messages, pre-built, same batching."""
    from firebase_admin import messaging

    from push.backends.base import OutMessage
    from push.backends.fcm import build_message

    app = await warm_up(tenant)
    messages = [
        build_message(
            OutMessage(
                delivery_id=uuid.uuid4(),
                notification_id=uuid.uuid4(),
                device_id=uuid.uuid4(),
                token=token(i),
                title="City festival on Saturday",
                body="From 2 pm in the city centre",
                deep_link="stadtkern://events/123",
            )
        )
        for i in range(index, args.devices, args.processes)
    ]
    from push.sending import share

    size = share(bench_settings(args.concurrency))  # the dispatcher's FCM call size
    batches = [messages[i : i + size] for i in range(0, len(messages), size)]
    batches.reverse()
    failed = 0

    async def worker() -> None:
        nonlocal failed
        while batches:
            response = await messaging.send_each_async(batches.pop(), app=app)
            failed += response.failure_count

    sync.ready.wait()
    sync.go.wait()
    cpu = time.process_time()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    if failed:
        raise RuntimeError(f"{failed} sends failed in the ceiling run")
    return {"end": time.time(), "sent": len(messages), "cpu_s": time.process_time() - cpu}


async def dispatcher_child(tenant: Any, args: argparse.Namespace, url: str, sync: Any) -> dict[str, Any]:
    """Dispatcher runs until no notification and no delivery is left open (SKIP LOCKED on PostgreSQL)."""
    from core.db import create_engine, session_factory
    from push.dispatcher import Dispatcher
    from push.models import DELIVERY_QUEUED, DELIVERY_SENDING, OUTBOX_DONE, PushDelivery, PushOutbox

    await warm_up(tenant)
    await warm_up_sender(tenant)
    engine = create_engine(url)
    factory = session_factory(engine)
    settings = bench_settings(args.concurrency)
    D, O = PushDelivery.__table__, PushOutbox.__table__  # noqa: E741
    open_work = sa.select(
        sa.select(sa.func.count()).select_from(O).where(O.c.state != OUTBOX_DONE).scalar_subquery()
        + sa.select(sa.func.count())
        .select_from(D)
        .where(D.c.state.in_([DELIVERY_QUEUED, DELIVERY_SENDING]))
        .scalar_subquery()
    )
    async with factory() as session:  # connection pool warm
        await session.execute(sa.select(1))
    sync.ready.wait()
    sync.go.wait()
    cpu = time.process_time()
    sent = batches = 0
    try:
        while True:
            stats = await Dispatcher(tenant, factory, settings).run()
            sent += stats.sent
            batches += stats.batches
            if stats.failed or stats.dead:
                raise RuntimeError(f"dispatcher: unexpected failures {stats}")
            if not stats.batches and not stats.expanded:
                async with factory() as session:
                    if not (await session.execute(open_work)).scalar_one():
                        break
                await asyncio.sleep(0.01)  # another process holds the rest (its lease)
    finally:
        await engine.dispose()
    return {"end": time.time(), "sent": sent, "batches": batches, "cpu_s": time.process_time() - cpu}


def child_main(role: str, index: int, args: argparse.Namespace, url: str, env: dict[str, str], sync: Any) -> None:
    os.environ.update(env)
    import core.models  # noqa: F401 - the device table, which push rows reference (column types)

    tenant = bench_tenant()

    async def run() -> dict[str, Any]:
        from push.backends.fcm import close_app

        try:
            if role == "ceiling":
                return await ceiling_child(tenant, args, index, sync)
            return await dispatcher_child(tenant, args, url, sync)
        finally:
            await close_app(tenant.slug)

    try:
        result = asyncio.run(run())
        result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except BaseException as exc:
        sync.ready.abort()
        import traceback

        result = {"error": repr(exc) + traceback.format_exc()[-1500:]}
    sync.results.put(result)


async def phase(
    role: str, args: argparse.Namespace, url: str, env: dict[str, str], factory: Any, tenant: Any, server_pid: int
) -> tuple[float, dict[str, Any]]:
    """Run one timed phase in ``args.processes`` fresh processes; returns (messages/s, details)."""
    ctx = multiprocessing.get_context("spawn")
    sync = Sync(ctx, args.processes + 1)
    procs = [
        ctx.Process(target=child_main, args=(role, i, args, url, env, sync), daemon=True) for i in range(args.processes)
    ]
    for p in procs:
        p.start()
    await asyncio.to_thread(sync.ready.wait)  # every process warmed up
    started = time.time()
    server_cpu = cpu_seconds(server_pid)
    if role == "dispatcher":
        await notify_once(factory, tenant)  # the notification is part of the timed pipeline
    sync.go.set()
    results = [await asyncio.to_thread(sync.results.get) for _ in procs]
    for p in procs:
        p.join(30)
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        raise RuntimeError(f"{role} phase failed: {errors}")
    sent = sum(r["sent"] for r in results)
    if sent != args.devices:
        raise RuntimeError(f"{role} phase sent {sent} of {args.devices}")
    elapsed = max(r["end"] for r in results) - started
    # CPU per message: of the sending processes (this pipeline or the bare SDK), and of the fake
    # server. Flat per-message CPU as processes are added means throughput grows with cores.
    sender_us = 1e6 * sum(r["cpu_s"] for r in results) / sent
    server_us = 1e6 * (cpu_seconds(server_pid) - server_cpu) / sent
    return sent / elapsed, {
        "seconds": round(elapsed, 1),
        "sender_cpu_us_per_message": round(sender_us),
        "fake_fcm_cpu_us_per_message": round(server_us),
        "per_process": [r["sent"] for r in results],
        "maxrss_mb": max(r["maxrss_mb"] for r in results),
    }


async def main_async(args: argparse.Namespace) -> None:
    from core.db import create_engine, session_factory
    from core.loader import build_plan
    from core.manifest import parse_manifest
    from core.migrate import upgrade
    from push.backends import SENDER_ENV
    from push.backends.fcm import ENDPOINT_ENV
    from push.models import DELIVERY_SENT, PushDelivery

    proc, http1_url, h2c_url, credentials = start_fake_fcm()
    sender = "sdk" if args.http1 else args.sender  # the HTTP/2 sender speaks nothing else
    env = {
        ENDPOINT_ENV: http1_url if args.http1 else h2c_url,
        CREDENTIALS_ENV: json.dumps(credentials),
        SENDER_ENV: sender,
    }
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.db"
    if url.startswith("postgresql"):
        await create_database_if_missing(url)
    engine = create_engine(url)
    try:
        plan = build_plan(parse_manifest(MANIFEST))
        tenant = plan.tenants[CITY].info
        if url.startswith("postgresql"):
            async with engine.begin() as conn:
                await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                await conn.execute(sa.text("CREATE SCHEMA public"))
        await upgrade(engine, plan)
        factory = session_factory(engine)
        t0 = time.perf_counter()
        await seed(factory, args.devices)
        print(f"seeded {args.devices} devices in {time.perf_counter() - t0:.1f} s ({engine.dialect.name})")
        print(
            f"protocol {'HTTP/1.1' if args.http1 else 'HTTP/2 (h2c)'}, dispatcher's sender {sender!r} "
            f"({SENDER_ENV}), 500 messages in flight per process "
            f"({args.concurrency} calls, {args.processes} process(es)); warm-up excluded"
        )
        before, info_before = await phase("ceiling", args, url, env, factory, tenant, proc.pid)
        print(f"ceiling (send_each_async alone, pre-built), before: {before:,.0f} messages/s ({info_before})")
        dispatcher_rate, info = await phase("dispatcher", args, url, env, factory, tenant, proc.pid)
        async with factory() as session:
            recorded = (
                await session.execute(
                    sa.select(sa.func.count()).select_from(PushDelivery).where(PushDelivery.state == DELIVERY_SENT)
                )
            ).scalar_one()
        if recorded != args.devices:
            raise RuntimeError(f"{recorded} deliveries recorded as sent, expected {args.devices}")
        print(
            f"dispatcher (notify, claim, expand, send, record): {dispatcher_rate:,.0f} messages/s, "
            f"{info['seconds']:.1f} s, per process {info['per_process']}; "
            f"peak RSS of a dispatcher process {info['maxrss_mb']:.0f} MB; CPU per message: "
            f"dispatchers {info['sender_cpu_us_per_message']} us, fake FCM {info['fake_fcm_cpu_us_per_message']} us"
        )
        after, info_after = await phase("ceiling", args, url, env, factory, tenant, proc.pid)
        print(f"ceiling (send_each_async alone, pre-built), after: {after:,.0f} messages/s ({info_after})")
        ceiling = (before + after) / 2
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
    parser.add_argument(
        "--concurrency", type=int, default=4, help="FCM calls in flight per process, sharing its 500 messages"
    )
    parser.add_argument("--processes", type=int, default=1, help="sending processes, on each side")
    parser.add_argument("--http1", action="store_true", help="HTTP/1.1 to the fake server (implies --sender sdk)")
    parser.add_argument(
        "--sender", choices=("http2", "sdk"), default="http2", help="the dispatcher's FCM sender (default: http2)"
    )
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file (PostgreSQL: dropped!)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
