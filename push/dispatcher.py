"""The dispatcher: outbox rows -> one delivery row per device -> batches of <= 500 sends.

Two claims, each a short transaction: outbox rows are claimed for expansion, delivery rows for
sending. A claim is an ``UPDATE ... WHERE id IN (SELECT ... LIMIT n [FOR UPDATE SKIP LOCKED])``
that stamps a claim token and a lease (``next_attempt_at``); on SQLite the single statement is
atomic under the database write lock, on PostgreSQL ``SKIP LOCKED`` lets dispatchers run in
parallel. A dispatcher that dies leaves its batch leased; when the lease ends the batch is
claimed again, so at most the batch in flight is sent twice. Each (notification, device) pair
is one row (unique key), so expansion can run again without duplicating anything.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from advanced_alchemy.mixins.uuid import uuid7  # type: ignore[attr-defined]
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import JobContext, TenantInfo, utcnow
from push.backends.base import Backend, OutMessage, SendResult
from push.device_table import core_device
from push.models import (
    DELIVERY_DEAD,
    DELIVERY_FAILED,
    DELIVERY_QUEUED,
    DELIVERY_SENDING,
    DELIVERY_SENT,
    DELIVERY_SKIPPED,
    OUTBOX_CANCELLED,
    OUTBOX_DONE,
    OUTBOX_EXPANDED,
    OUTBOX_EXPANDING,
    OUTBOX_PENDING,
    PushDelivery,
    PushOutbox,
)
from push.settings import PushSettings
from push.targeting import FALLBACK_LOCALE, pick_text, quiet_hours_end, select_targets

log = logging.getLogger("stadtkern.push.dispatcher")

OUTBOX_CLAIM = 20
INSERT_CHUNK = 2_000
D = cast(sa.Table, PushDelivery.__table__)
O = cast(sa.Table, PushOutbox.__table__)  # noqa: E741 - short names keep the SQL readable


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


@dataclass
class _Limiter:
    """Token bucket per city and process: stays below ``quota_share`` of FCM's per-project quota."""

    rate: float
    allowance: float = 0.0
    stamp: float = field(default_factory=time.monotonic)

    async def acquire(self, n: int) -> None:
        while True:
            now = time.monotonic()
            self.allowance = min(self.rate, self.allowance + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.allowance >= min(n, self.rate):
                self.allowance -= n
                return
            await asyncio.sleep((min(n, self.rate) - self.allowance) / self.rate)


_limiters: dict[str, _Limiter] = {}
# Cities FCM told to back off (429 + Retry-After): no sends before this time, in this process.
_paused_until: dict[str, dt.datetime] = {}


def make_backend(tenant: TenantInfo) -> Backend:
    if tenant.push_backend == "fcm":
        from push.backends.fcm import FcmBackend

        return FcmBackend(tenant.slug, tenant.push_credentials_env)
    from push.backends.log import LogBackend

    return LogBackend(tenant.slug)


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
        rate = self.settings.fcm_quota_per_minute / 60 * self.settings.quota_share
        limiter = _limiters.get(self.slug)
        if limiter is None or limiter.rate != rate:
            limiter = _limiters[self.slug] = _Limiter(rate=rate, allowance=rate)
        self.limiter = limiter

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        # On SQLite the core's engine begins every transaction IMMEDIATE, so concurrent writers
        # wait for the lock (busy_timeout) instead of failing with "database is locked".
        async with self.factory() as session, session.begin():
            yield session

    # -- claiming --------------------------------------------------------------------------

    @staticmethod
    def _lockable(stmt: sa.Select[Any], session: AsyncSession) -> sa.Select[Any]:
        if session.get_bind().dialect.name == "postgresql":
            return stmt.with_for_update(skip_locked=True)
        return stmt

    def _insert(self, session: AsyncSession) -> Any:
        return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(D)

    # -- expansion -------------------------------------------------------------------------

    async def expand_due(self) -> int:
        """Claim due outbox rows and write their delivery rows; returns how many were expanded."""
        now = self.clock()
        token = str(uuid.uuid4())
        async with self._transaction() as session:
            due = self._lockable(
                sa.select(O.c.id)
                .where(
                    O.c.tenant_id == self.slug,
                    O.c.state.in_([OUTBOX_PENDING, OUTBOX_EXPANDING]),
                    O.c.next_attempt_at <= now,
                )
                .order_by(O.c.next_attempt_at, O.c.created_at, O.c.id)
                .limit(OUTBOX_CLAIM),
                session,
            )
            await session.execute(
                sa.update(O)
                .where(O.c.id.in_(due.scalar_subquery()))
                .values(
                    state=OUTBOX_EXPANDING,
                    claim_token=token,
                    attempts=O.c.attempts + 1,
                    next_attempt_at=now + dt.timedelta(seconds=self.settings.lease_seconds),
                )
            )
            claimed = (await session.execute(sa.select(O).where(O.c.claim_token == token))).mappings().all()
        for row in sorted(claimed, key=lambda r: (r["next_attempt_at"], r["created_at"], r["id"])):
            await self._expand(dict(row), now)
        self.stats.expanded += len(claimed)
        return len(claimed)

    async def _expand(self, outbox: dict[str, Any], now: dt.datetime) -> None:
        tz = self.tenant.time_zone
        capped = outbox["priority"] != "high" and self.settings.daily_cap > 0
        async with self._transaction() as session:
            candidates = await select_targets(
                session, self.slug, outbox["topic"], bool(outbox["default_on"]), outbox["audience"] or {}
            )
            counts: dict[uuid.UUID, int] = {}
            if capped and candidates:
                local_midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
                counted = await session.execute(
                    sa.select(D.c.device_id, sa.func.count())
                    .join(O, O.c.id == D.c.notification_id)
                    .where(
                        D.c.tenant_id == self.slug,
                        O.c.priority != "high",  # urgent warnings are neither capped nor counted
                        D.c.created_at >= local_midnight.astimezone(dt.UTC),
                        D.c.state.not_in([DELIVERY_SKIPPED, DELIVERY_FAILED]),
                        D.c.notification_id != outbox["id"],
                    )
                    .group_by(D.c.device_id)
                )
                counts = {row[0]: row[1] for row in counted}
            rows: list[dict[str, Any]] = []
            targeted = 0
            for device_id, locale, q_start, q_end in candidates:
                targeted += 1
                state, reason, due = DELIVERY_QUEUED, None, now
                if capped and counts.get(device_id, 0) >= self.settings.daily_cap:
                    state, reason = DELIVERY_SKIPPED, "daily_cap"
                else:
                    quiet_end = quiet_hours_end(now, tz, q_start, q_end)
                    if quiet_end is not None:
                        due, reason = quiet_end, "quiet_hours"
                rows.append(
                    {
                        "id": uuid7(),
                        "created_at": now,
                        "updated_at": now,
                        "tenant_id": self.slug,
                        "notification_id": outbox["id"],
                        "device_id": device_id,
                        "locale": locale or FALLBACK_LOCALE,
                        "state": state,
                        "attempts": 0,
                        "next_attempt_at": due,
                        "deferred_reason": reason,
                        "error": reason if state == DELIVERY_SKIPPED else None,
                    }
                )
            # Mark it expanded first: if staff cancelled it meanwhile (or another dispatcher took
            # over after our lease ended) nothing matches and no delivery row is written.
            marked = await session.execute(
                sa.update(O)
                .where(O.c.id == outbox["id"], O.c.claim_token == outbox["claim_token"], O.c.state == OUTBOX_EXPANDING)
                .values(
                    state=OUTBOX_EXPANDED if rows else OUTBOX_DONE,
                    claim_token=None,
                    targeted=targeted,
                    next_attempt_at=now,
                    updated_at=now,
                )
            )
            if not getattr(marked, "rowcount", 0):
                return
            insert = self._insert(session)
            for start in range(0, len(rows), INSERT_CHUNK):
                await session.execute(
                    insert.on_conflict_do_nothing(index_elements=["notification_id", "device_id"]),
                    rows[start : start + INSERT_CHUNK],
                )
        self.stats.targeted += targeted
        log.info("push %s: notification %s expanded to %d devices", self.slug, outbox["id"], targeted)

    # -- sending ---------------------------------------------------------------------------

    async def send_batch(self) -> int:
        """Claim up to ``batch_size`` due deliveries, send them, record the outcome."""
        paused = _paused_until.get(self.slug)
        now = self.clock()
        if paused is not None and paused > now:
            return 0
        token = str(uuid.uuid4())
        async with self._transaction() as session:
            due = self._lockable(
                sa.select(D.c.id)
                .where(
                    D.c.tenant_id == self.slug,
                    D.c.state.in_([DELIVERY_QUEUED, DELIVERY_SENDING]),
                    D.c.next_attempt_at <= now,
                )
                .order_by(D.c.next_attempt_at)
                .limit(self.settings.batch_size),
                session,
            )
            await session.execute(
                sa.update(D)
                .where(D.c.id.in_(due.scalar_subquery()))
                .values(
                    state=DELIVERY_SENDING,
                    claim_token=token,
                    attempts=D.c.attempts + 1,
                    next_attempt_at=now + dt.timedelta(seconds=self.settings.lease_seconds),
                )
            )
            claimed = (
                await session.execute(
                    sa.select(
                        D.c.id,
                        D.c.notification_id,
                        D.c.device_id,
                        D.c.attempts,
                        D.c.locale,
                        core_device.c.locale.label("device_locale"),
                        core_device.c.push_token,
                        core_device.c.push_token_active,
                    )
                    .join(core_device, core_device.c.id == D.c.device_id)
                    .where(D.c.claim_token == token)
                )
            ).all()
            missing = {row.notification_id for row in claimed} - set(self._outboxes)
            if missing:
                for found in (await session.execute(sa.select(O).where(O.c.id.in_(missing)))).mappings():
                    self._outboxes[found["id"]] = dict(found)
        if not claimed:
            return 0
        self.stats.batches += 1
        messages: list[OutMessage] = []
        attempts: dict[uuid.UUID, int] = {}
        finished: list[dict[str, Any]] = []
        for row in claimed:
            ob = self._outboxes[row.notification_id]
            attempts[row.id] = row.attempts
            if ob["state"] == OUTBOX_CANCELLED:
                finished.append(self._final(row.id, DELIVERY_SKIPPED, "cancelled", now))
                continue
            if ob["created_at"] + dt.timedelta(seconds=ob["ttl_seconds"]) < now:
                finished.append(self._final(row.id, DELIVERY_SKIPPED, "expired", now))
                continue
            if not row.push_token or not row.push_token_active:
                finished.append(self._final(row.id, DELIVERY_FAILED, "token_inactive", now))
                continue
            locale = row.device_locale or row.locale
            messages.append(
                OutMessage(
                    delivery_id=row.id,
                    notification_id=row.notification_id,
                    device_id=row.device_id,
                    token=row.push_token,
                    title=pick_text(ob["title"], locale),
                    body=pick_text(ob["body"], locale),
                    deep_link=ob["deep_link"],
                    data={str(k): str(v) for k, v in (ob["data"] or {}).items()},
                    priority=ob["priority"],
                    collapse_key=ob["collapse_key"],
                    ttl_seconds=max(
                        0, int((ob["created_at"] + dt.timedelta(seconds=ob["ttl_seconds"]) - now).total_seconds())
                    ),
                )
            )
        results: list[SendResult] = []
        if messages:
            await self.limiter.acquire(len(messages))
            try:
                results = await self.backend.send(messages)
            except Exception as exc:  # the whole batch failed (network, auth): retry all of it
                log.warning("push %s: batch of %d failed: %r", self.slug, len(messages), exc)
                results = [SendResult(ok=False, code="UNKNOWN", detail=repr(exc)[:500], retryable=True)] * len(messages)
        await self._record(messages, results, attempts, finished, {row.notification_id for row in claimed})
        return len(claimed)

    @staticmethod
    def _final(delivery_id: uuid.UUID, state: str, error: str | None, now: dt.datetime) -> dict[str, Any]:
        return {"b_id": delivery_id, "b_state": state, "b_error": error, "b_next": now, "b_mid": None, "b_sent": None}

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = min(self.settings.backoff_max_seconds, self.settings.backoff_base_seconds * 2 ** max(0, attempt - 1))
        backoff *= random.uniform(0.5, 1.5)  # jitter: spread the retries of one batch
        if retry_after is not None:
            # FCM said when: wait exactly that long, plus a little spread so a city's deferred
            # messages do not all return in the same second.
            return retry_after + random.uniform(0, min(5.0, retry_after / 10))
        return float(backoff)

    async def _record(
        self,
        messages: list[OutMessage],
        results: list[SendResult],
        attempts: dict[uuid.UUID, int],
        updates: list[dict[str, Any]],
        notification_ids: set[uuid.UUID],
    ) -> None:
        now = self.clock()
        deactivate: list[dict[str, Any]] = []
        for message, result in zip(messages, results, strict=True):
            if result.ok:
                self.stats.sent += 1
                updates.append(
                    {
                        "b_id": message.delivery_id,
                        "b_state": DELIVERY_SENT,
                        "b_error": None,
                        "b_next": now,
                        "b_mid": result.message_id,
                        "b_sent": now,
                    }
                )
                continue
            error = f"{result.code}: {result.detail}" if result.detail else result.code
            if result.deactivate_token:
                deactivate.append({"b_device": message.device_id, "b_token": message.token})
            if result.retryable and attempts[message.delivery_id] < self.settings.max_attempts:
                self.stats.retried += 1
                delay = self._delay(attempts[message.delivery_id], result.retry_after)
                if result.retry_after is not None and result.code in ("QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED"):
                    _paused_until[self.slug] = now + dt.timedelta(seconds=result.retry_after)
                updates.append(
                    {
                        "b_id": message.delivery_id,
                        "b_state": DELIVERY_QUEUED,
                        "b_error": error,
                        "b_next": now + dt.timedelta(seconds=delay),
                        "b_mid": None,
                        "b_sent": None,
                    }
                )
            else:
                state = DELIVERY_DEAD if result.retryable else DELIVERY_FAILED
                if state == DELIVERY_DEAD:
                    self.stats.dead += 1
                    log.warning(
                        "push %s: delivery %s dead after %d attempts: %s",
                        self.slug,
                        message.delivery_id,
                        attempts[message.delivery_id],
                        error,
                    )
                else:
                    self.stats.failed += 1
                updates.append(self._final(message.delivery_id, state, error, now))
        self.stats.skipped += sum(1 for u in updates if u["b_state"] == DELIVERY_SKIPPED)
        async with self._transaction() as session:
            if updates:
                await session.execute(
                    sa.update(D)
                    .where(D.c.id == sa.bindparam("b_id"))
                    .values(
                        state=sa.bindparam("b_state"),
                        error=sa.bindparam("b_error"),
                        next_attempt_at=sa.bindparam("b_next"),
                        message_id=sa.bindparam("b_mid"),
                        sent_at=sa.bindparam("b_sent"),
                        claim_token=None,
                        updated_at=now,
                    ),
                    updates,
                )
            if deactivate:
                # Only the token FCM refused: the app may have registered a new one meanwhile.
                await session.execute(
                    sa.update(core_device)
                    .where(
                        core_device.c.id == sa.bindparam("b_device"),
                        core_device.c.push_token == sa.bindparam("b_token"),
                    )
                    .values(push_token_active=False),
                    deactivate,
                )
                self.stats.deactivated += len(deactivate)
            if notification_ids:
                # Lock the notifications first, in a statement of its own: two dispatchers finishing
                # the last batches of one notification at once would otherwise each see the
                # other's batch still "sending" (uncommitted) and neither would mark it done. The
                # second waits here for the first to commit, and its next statement (a new
                # snapshot under READ COMMITTED) sees the first's deliveries as sent.
                await session.execute(
                    self._locked(sa.select(O.c.id).where(O.c.id.in_(notification_ids)).order_by(O.c.id), session)
                )
                await self._mark_done(session, now, O.c.id.in_(notification_ids))

    @staticmethod
    def _locked(stmt: sa.Select[Any], session: AsyncSession) -> sa.Select[Any]:
        if session.get_bind().dialect.name == "postgresql":
            return stmt.with_for_update()
        return stmt  # SQLite: the transaction already holds the database's write lock

    @staticmethod
    async def _mark_done(session: AsyncSession, now: dt.datetime, which: Any) -> None:
        open_ = sa.select(D.c.id).where(
            D.c.notification_id == O.c.id, D.c.state.in_([DELIVERY_QUEUED, DELIVERY_SENDING])
        )
        await session.execute(
            sa.update(O)
            .where(which, O.c.state == OUTBOX_EXPANDED, ~sa.exists(open_))
            .values(state=OUTBOX_DONE, updated_at=now)
        )

    async def finish_settled(self) -> None:
        """Marks done every expanded notification of this city with nothing left to send (a sweep
        that also settles rows a crashed dispatcher left behind)."""
        async with self._transaction() as session:
            await self._mark_done(session, self.clock(), O.c.tenant_id == self.slug)

    # -- a run -----------------------------------------------------------------------------

    async def run(self) -> RunStats:
        """Expand what is due, then send until nothing is due or the run's time is up."""
        deadline = time.monotonic() + self.settings.max_run_seconds
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
        return self.stats


async def dispatch_job(ctx: JobContext[Any]) -> None:
    """The scheduled job: one run for one city."""
    settings = ctx.settings if isinstance(ctx.settings, PushSettings) else PushSettings()
    dispatcher = Dispatcher(ctx.tenant, ctx.session_factory, settings)
    try:
        stats = await dispatcher.run()
    finally:
        await dispatcher.backend.close()
    if stats.batches or stats.expanded:
        ctx.log.info("push %s: %s", ctx.tenant.slug, stats)
