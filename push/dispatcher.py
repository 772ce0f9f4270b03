"""The dispatcher: outbox rows -> one delivery row per device -> batches of <= 500 sends.

Two claims, each a short transaction (:mod:`push.claims`): outbox rows are claimed for expansion
(:mod:`push.expansion`), delivery rows for sending (:mod:`push.sending`); the results are settled
in a third (:mod:`push.settling`), at the pace :mod:`push.pacing` allows.

What a crash costs: each FCM call's outcome is recorded before its worker claims again, and the
calls in flight together carry at most ``batch_size`` deliveries (each claims its share), so a
dispatcher killed mid-fan-out has sent at most ``batch_size`` messages whose outcome is unknown;
those, and only those, go out again (with the notification id as collapse key, so the phone
replaces the first copy). A run holds a lock that dies with its process and names it in its
claims (:mod:`push.liveness`): the next dispatcher to claim (within a second) takes a dead one's
rows over at once; on PostgreSQL a frozen one loses its lock within seconds too. The lease,
renewed every third of ``send_lease_seconds`` while the dispatcher lives, covers what the lock
cannot see (a frozen process on SQLite keeps its ``flock``): those rows are taken over
``send_lease_seconds`` (15 s by default) after the last renewal. Several dispatchers may run at
once: claims skip each other's rows, so each delivery is sent by one of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import JobContext, TenantInfo, utcnow
from push.backends import make_backend
from push.backends.base import Backend, OutMessage, SendResult
from push.claims import claim, release_dead
from push.expansion import expand_outbox
from push.liveness import RunLock
from push.metrics import count_batch, observe_backlog
from push.models import DELIVERY_SENDING, DELIVERY_SKIPPED, OUTBOX_EXPANDING, OUTBOX_PENDING, PushDelivery, PushOutbox
from push.pacing import is_paused, limiter_for
from push.sending import claim_deliveries, prepare, renew, send
from push.settings import PushSettings
from push.settling import judge, mark_done, write

log = logging.getLogger("stadtkern.push.dispatcher")

OUTBOX_CLAIM = 20
O = cast(sa.Table, PushOutbox.__table__)  # noqa: E741 - short names keep the SQL readable
D = cast(sa.Table, PushDelivery.__table__)
SWEEP_SECONDS = 1.0  # how often a run looks for dead dispatchers' claims


@dataclass
class RunStats:
    expanded: int = 0
    targeted: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    deactivated: int = 0
    batches: int = 0


class Dispatcher:
    def __init__(
        self,
        tenant: TenantInfo,
        session_factory: async_sessionmaker[AsyncSession],
        settings: PushSettings | None = None,
        *,
        backend: Backend | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.tenant = tenant
        self.slug = tenant.slug
        self.factory = session_factory
        self.settings = settings or PushSettings()
        self.backend = backend or make_backend(tenant)
        self.clock = clock
        self.stats = RunStats()
        self._outboxes: dict[uuid.UUID, dict[str, Any]] = {}
        self.limiter = limiter_for(self.slug, self.settings)
        self._lock: RunLock | None = None
        self._taking = asyncio.Lock()  # the run's concurrent senders share one run lock
        self._swept: dict[str, float] = {}

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        # On SQLite the core's engine begins every transaction IMMEDIATE, so concurrent writers
        # wait for the lock (busy_timeout) instead of failing with "database is locked".
        async with self.factory() as session, session.begin():
            yield session

    # -- claims of the dead -----------------------------------------------------------------

    async def _claimer(self) -> int | None:
        """This run's claimer number, its lock taken on first use (push.liveness)."""
        async with self._taking:
            if self._lock is None:
                self._lock = await RunLock.of(self.factory)
            return await self._lock.take()

    async def _release_dead(self, session: AsyncSession, table: sa.Table, state: str, now: dt.datetime) -> None:
        # At most once a second per table: between sweeps a dead dispatcher's batch waits that long.
        if time.monotonic() - self._swept.get(state, -SWEEP_SECONDS) < SWEEP_SECONDS:
            return
        self._swept[state] = time.monotonic()
        own = self._lock.claimer if self._lock is not None else None
        released = await release_dead(session, table, slug=self.slug, claimed_state=state, now=now, own=own)
        if released:
            log.warning("push %s: took over %d %s rows of a dispatcher that died", self.slug, released, state)

    # -- expansion -------------------------------------------------------------------------

    async def expand_due(self) -> int:
        """Claim due outbox rows and write their delivery rows; returns how many were expanded."""
        now = self.clock()
        claimer = await self._claimer()
        async with self._transaction() as session:
            await self._release_dead(session, O, OUTBOX_EXPANDING, now)
            token = await claim(
                session,
                O,
                slug=self.slug,
                states=[OUTBOX_PENDING, OUTBOX_EXPANDING],
                claimed_state=OUTBOX_EXPANDING,
                order_by=(O.c.next_attempt_at, O.c.created_at, O.c.id),
                limit=OUTBOX_CLAIM,
                now=now,
                lease_seconds=self.settings.lease_seconds,
                claimer=claimer,
            )
            claimed = (await session.execute(sa.select(O).where(O.c.claim_token == token))).mappings().all()
        for row in sorted(claimed, key=lambda r: (r["next_attempt_at"], r["created_at"], r["id"])):
            await self._expand(dict(row), now)
        self.stats.expanded += len(claimed)
        return len(claimed)

    async def _expand(self, outbox: dict[str, Any], now: dt.datetime) -> None:
        async with self._transaction() as session:
            targeted = await expand_outbox(session, self.tenant, self.settings, outbox, now)
        if targeted is None:
            return
        self.stats.targeted += targeted
        log.info("push %s: notification %s expanded to %d devices", self.slug, outbox["id"], targeted)

    # -- sending ---------------------------------------------------------------------------

    async def send_batch(self) -> int:
        """Claim this worker's share of due deliveries, send them, record the outcome."""
        now = self.clock()
        if is_paused(self.slug, now):
            return 0
        claimer = await self._claimer()
        async with self._transaction() as session:
            await self._release_dead(session, D, DELIVERY_SENDING, now)
            token, claimed = await claim_deliveries(session, self.slug, self.settings, now, self._outboxes, claimer)
        if not claimed:
            return 0
        self.stats.batches += 1
        # The heartbeat is told to stop, never cancelled: a cancel landing inside the renewal's
        # transaction can leave an aiosqlite connection holding SQLite's write lock, and the other
        # dispatcher (or this one's _record) then waits on it until its timeout.
        stop = asyncio.Event()
        heartbeat = asyncio.create_task(self._heartbeat(token, stop))
        try:
            messages, attempts, finished = prepare(claimed, self._outboxes, self.tenant, now)
            results = await send(self.backend, self.limiter, self.slug, messages)
        finally:
            stop.set()
            await heartbeat
        await self._record(messages, results, attempts, finished, {row.notification_id for row in claimed})
        return len(claimed)

    async def _heartbeat(self, token: str, stop: asyncio.Event) -> None:
        # Keeps the batch leased while it is in flight; a dead dispatcher stops renewing.
        while True:
            try:
                await asyncio.wait_for(stop.wait(), self.settings.send_lease_seconds / 3)
                return
            except TimeoutError:
                pass
            try:
                async with self._transaction() as session:
                    await renew(session, token, self.clock(), self.settings)
            except Exception as exc:  # the send goes on; at worst the lease lapses and the batch repeats
                log.warning("push %s: lease renewal failed: %r", self.slug, exc)

    async def _record(
        self,
        messages: list[OutMessage],
        results: list[SendResult],
        attempts: dict[uuid.UUID, int],
        updates: list[dict[str, Any]],
        notification_ids: set[uuid.UUID],
    ) -> None:
        now = self.clock()
        out = judge(self.slug, self.settings, messages, results, attempts, updates, now)
        self.stats.sent += out.sent
        self.stats.retried += out.retried
        self.stats.dead += out.dead
        self.stats.failed += out.failed
        skipped = sum(1 for u in updates if u["b_state"] == DELIVERY_SKIPPED)
        self.stats.skipped += skipped
        async with self._transaction() as session:
            await write(session, out, notification_ids, now)
        self.stats.deactivated += len(out.deactivate)
        count_batch(self.slug, out, results, skipped)  # after the commit: counted once it is stored

    async def finish_settled(self) -> None:
        """Marks done every expanded notification of this city with nothing left to send (a sweep
        that also settles rows a crashed dispatcher left behind)."""
        async with self._transaction() as session:
            await mark_done(session, self.clock(), O.c.tenant_id == self.slug)

    # -- a run -----------------------------------------------------------------------------

    async def run(self) -> RunStats:
        """Expand what is due, then send until nothing is due or the run's time is up."""
        try:
            await self._run(time.monotonic() + self.settings.max_run_seconds)
        finally:
            if self._lock is not None:  # every claim of the run is recorded (or its lease runs out)
                await self._lock.release()
        return self.stats

    async def _run(self, deadline: float) -> None:
        while await self.expand_due():
            if time.monotonic() > deadline:
                break

        async def worker() -> None:
            while time.monotonic() < deadline:
                if not await self.send_batch():
                    return

        await asyncio.gather(*(worker() for _ in range(self.settings.concurrency)))
        if not self.stats.batches:  # idle: settle what finished elsewhere
            await self.finish_settled()


async def dispatch_job(ctx: JobContext[Any]) -> None:
    """The scheduled job: one run for one city."""
    settings = ctx.settings if isinstance(ctx.settings, PushSettings) else PushSettings()
    dispatcher = Dispatcher(ctx.tenant, ctx.session_factory, settings)
    try:
        stats = await dispatcher.run()
    finally:
        await dispatcher.backend.close()
    await observe_backlog(ctx.session_factory, ctx.tenant.slug)
    if stats.batches or stats.expanded:
        ctx.log.info("push %s: %s", ctx.tenant.slug, stats)
