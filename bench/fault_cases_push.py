"""Push faults (bench/faults.py): a dispatcher process killed mid-fan-out, a leader killed or frozen."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.fault_env import Fcm, Procs, base_env, phone_figures

BATCH, CALLS = 500, 4  # the production defaults: what one dispatcher has in flight


@dataclass
class PushCtx:
    url: str
    manifest: Path
    logs: Path
    fcm: Fcm
    devices: int
    lease: float
    leader_poll: float
    leader_devices: int


async def seed(url: str, devices: int, name: str) -> set[str]:
    """Empties the push tables, devices and job runs; adds ``devices`` phones of Dortmund."""
    from advanced_alchemy.mixins.uuid import uuid7  # type: ignore[attr-defined]

    from core.db import create_unpooled_engine
    from core.models import Device, JobRun
    from push.models import PushDelivery, PushOutbox

    tokens = [f"tok-{name}-{i:06d}-" + "x" * 24 for i in range(devices)]
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"id": uuid7(), "tenant_id": "dortmund", "platform": "android", "locale": "de", "app_version": "1.4.0",
         "push_token": t, "push_token_active": True, "credential_version": 1, "created_at": now, "updated_at": now}
        for t in tokens
    ]  # fmt: skip
    engine = create_unpooled_engine(url)
    try:
        async with engine.begin() as conn:
            for model in (PushDelivery, PushOutbox, Device, JobRun):
                await conn.execute(sa.delete(model))
            for start in range(0, len(rows), 5000):
                await conn.execute(sa.insert(Device), rows[start : start + 5000])
    finally:
        await engine.dispose()
    return set(tokens)


async def notify(url: str) -> None:
    from core.api import Notification
    from core.db import create_unpooled_engine, session_factory
    from core.testing.support import tenant_info
    from push.services import PushService
    from schemas import LocalizedText

    note = Notification(
        topic="push.alerts",
        title=LocalizedText(de="Unwetterwarnung", en="Severe weather warning"),
        body=LocalizedText(de="Sturmböen ab 18 Uhr", en="Gale-force gusts from 6 pm"),
        deep_link="stadtkern://alerts/1",
    )
    engine = create_unpooled_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await PushService().notify(session, tenant_info("dortmund"), note)
    finally:
        await engine.dispose()


async def fan_out_state(url: str) -> tuple[int, Counter[str]]:
    """(outbox rows not done, delivery states)."""
    from core.db import create_unpooled_engine
    from push.models import OUTBOX_DONE, PushDelivery, PushOutbox

    engine = create_unpooled_engine(url)
    try:
        async with engine.connect() as conn:
            open_ = await conn.scalar(sa.select(sa.func.count()).where(PushOutbox.state != OUTBOX_DONE))
            states = Counter((await conn.scalars(sa.select(PushDelivery.state))).all())
    finally:
        await engine.dispose()
    return int(open_ or 0), states


async def until(condition: Any, within: float, what: str, step: float = 0.005) -> float:
    """Seconds until ``condition()`` (sync or async) holds; raises naming ``what`` after ``within``."""
    started = time.monotonic()
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise TimeoutError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(step)


def start_dispatcher(ctx: PushCtx, procs: Procs, name: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.push.dispatch_process", ctx.url, str(BATCH), str(CALLS), str(ctx.lease)]
    env = base_env(ctx.url, ctx.manifest, **ctx.fcm.env)
    proc: subprocess.Popen[str] = procs.spawn(
        command, env, ctx.logs / f"{name}.log", stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    return proc


def go(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()


async def dispatcher_kill(ctx: PushCtx, share: int) -> dict[str, Any]:
    """Kill -9 of a dispatcher when ``share`` % of the messages arrived; a waiting one finishes."""
    tokens = await seed(ctx.url, ctx.devices, f"kill{share}")
    fake = ctx.fcm.fake
    fake.reset()
    procs = Procs()
    try:
        first, second = (
            start_dispatcher(ctx, procs, f"dispatcher-{share}-a"),
            start_dispatcher(ctx, procs, f"dispatcher-{share}-b"),
        )
        for proc in (first, second):
            assert proc.stdout is not None
            line = await asyncio.to_thread(proc.stdout.readline)
            if line.strip() != "started":
                raise RuntimeError(f"dispatcher did not start: {line!r}")
        await notify(ctx.url)
        go(first)
        goal = ctx.devices * share / 100
        await until(lambda: ctx.fcm.ok_count() >= goal or first.poll() is not None, 120, f"{share}% sent")
        if first.poll() is not None:
            raise RuntimeError("the dispatcher finished before it was killed")
        os.kill(first.pid, signal.SIGKILL)
        killed, killed_wall = time.monotonic(), time.time()
        at_kill = ctx.fcm.ok_count()
        go(second)  # already started (imports, token): measures the take-over, not a cold start
        hung = 0
        try:
            await until(lambda: second.poll() is not None, 120, "the second dispatcher to finish", step=0.02)
        except TimeoutError:
            hung = 1
        recovery = time.monotonic() - killed
        open_, states = await fan_out_state(ctx.url)
    finally:
        procs.kill_all()
    received = list(fake.received)
    firsts: dict[str, float] = {}
    for m in received:
        if m["_status"] == 200:
            firsts.setdefault(m["token"], m["_at"])
    figures = phone_figures(received, tokens)
    figures.update(
        recovery_s=round(recovery, 1),
        hung=hung,
        sent_at_kill=at_kill,
        last_first_copy_s=round(max(firsts.values(), default=killed_wall) - killed_wall, 1),
        batch=BATCH,
        resent_le_batch=figures["resent"] <= BATCH,
        recorded=dict(states),
        outbox_open=open_,
        send_lease_s=ctx.lease,
    )
    return figures


class Worker:
    def __init__(self, ctx: PushCtx, procs: Procs, worker_id: str) -> None:
        self.worker_id = worker_id
        self.log_path = ctx.logs / f"{worker_id}.log"
        env = base_env(
            ctx.url, ctx.manifest, **ctx.fcm.env, STADTKERN_MAINTENANCE_INTERVAL_SECONDS="1",
            STADTKERN_LEADER_POLL_SECONDS=str(ctx.leader_poll), STADTKERN_WORKER_ID=worker_id,
        )  # fmt: skip
        self.proc = procs.spawn([sys.executable, "-m", "core.cli", "worker", "--port", "0"], env, self.log_path)

    def states(self) -> list[str]:
        """The leadership transitions this worker logged (the tests' parser of the JSON lines)."""
        from tests.test_scheduler import WorkerProcess

        return WorkerProcess.states(self)  # type: ignore[arg-type]  # reads only .log_path

    def last(self) -> str:
        states = self.states()
        return states[-1] if states else ""


async def first_run_by(url: str, worker_id: str, after: dt.datetime) -> float | None:
    from core.db import create_unpooled_engine
    from core.maintenance import PURGE_JOB_KEY
    from core.models import JobRun

    engine = create_unpooled_engine(url)
    try:
        async with engine.connect() as conn:
            started = await conn.scalar(
                sa.select(sa.func.min(JobRun.started_at)).where(
                    JobRun.job_key == PURGE_JOB_KEY, JobRun.worker_id == worker_id, JobRun.started_at > after
                )
            )
    finally:
        await engine.dispose()
    return None if started is None else (started - after).total_seconds()


async def leader_fault(ctx: PushCtx, mode: str) -> dict[str, Any]:
    """kill -9 (``kill``) or SIGSTOP (``sigstop``) of the leader of two workers, 30 % into a fan-out
    (and 2.5 s after its first message, so that both workers send): resent > 0 shows that the
    leader had a batch in flight."""
    tokens = await seed(ctx.url, ctx.leader_devices, f"leader-{mode}")
    ctx.fcm.fake.reset()
    procs = Procs()
    figures: dict[str, Any] = {"leader_poll_s": ctx.leader_poll, "devices": ctx.leader_devices}
    try:
        workers = [Worker(ctx, procs, f"worker-{mode}-{x}") for x in ("a", "b")]
        await until(lambda: sorted(w.last() for w in workers) == ["leader", "standby"], 90, "leader + standby", 0.1)
        leader = next(w for w in workers if w.last() == "leader")
        standby = next(w for w in workers if w is not leader)
        await notify(ctx.url)
        # 30 % sent, and both workers' dispatch jobs (every 2 s) have had their turn: the leader sends too.
        await until(lambda: ctx.fcm.ok_count() >= ctx.leader_devices * 0.3, 120, "30% of the fan-out")
        first_copy = min(m["_at"] for m in ctx.fcm.fake.received)
        await until(lambda: time.time() >= first_copy + 2.5, 10, "both workers' dispatch turns")
        if ctx.fcm.ok_count() >= ctx.leader_devices:
            raise RuntimeError("the fan-out ended before the fault: raise --leader-devices")
        figures["sent_at_fault"] = ctx.fcm.ok_count()
        os.kill(leader.proc.pid, signal.SIGKILL if mode == "kill" else signal.SIGSTOP)
        fault, fault_wall = time.monotonic(), dt.datetime.now(dt.UTC)
        figures.update(await after_leader_fault(ctx, leader, standby, fault, fault_wall))
        if mode == "sigstop":
            os.kill(leader.proc.pid, signal.SIGCONT)
            try:
                figures["old_leader_yields_s"] = round(
                    await until(lambda: leader.last() == "standby", 30, "yield", 0.1), 1
                )
            except TimeoutError:
                figures["old_leader_yields_s"] = "none within 30 s"
            await asyncio.sleep(3)  # whatever the resumed leader still sends arrives now
        open_, states = await fan_out_state(ctx.url)
        figures.update(recorded=dict(states), outbox_open=open_)
    finally:
        procs.kill_all()
    phone = phone_figures(list(ctx.fcm.fake.received), tokens)
    return {**phone, **figures}


async def after_leader_fault(
    ctx: PushCtx, leader: Worker, standby: Worker, fault: float, fault_wall: dt.datetime
) -> dict[str, Any]:
    """take-over (the standby logs leadership), its first job run, the fan-out's end."""
    found: dict[str, Any] = {}
    deadline = fault + 90
    while time.monotonic() < deadline and len(found) < 3:
        now = time.monotonic() - fault
        if "takeover_s" not in found and standby.last() == "leader":
            found["takeover_s"] = round(now, 1)
        if "first_job_s" not in found:
            ran = await first_run_by(ctx.url, standby.worker_id, fault_wall)
            if ran is not None:
                found["first_job_s"] = round(ran, 1)
        if "recovery_s" not in found:
            open_, states = await fan_out_state(ctx.url)
            if not open_ and set(states) == {"sent"}:
                found["recovery_s"] = round(now, 1)
        await asyncio.sleep(0.1)
    found["hung"] = 0 if "takeover_s" in found and "recovery_s" in found else 1
    for key in ("takeover_s", "first_job_s", "recovery_s"):
        found.setdefault(key, "none within 90 s")
    return found
