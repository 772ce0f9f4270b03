"""Sending one batch: claim due deliveries, turn them into messages, hand them to the backend."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import TenantInfo, pick
from push.backends.base import Backend, OutMessage, SendResult
from push.claims import claim
from push.device_table import core_device
from push.models import (
    DELIVERY_FAILED,
    DELIVERY_QUEUED,
    DELIVERY_SENDING,
    DELIVERY_SKIPPED,
    OUTBOX_CANCELLED,
    PushDelivery,
    PushOutbox,
)
from push.pacing import Limiter
from push.settings import PushSettings
from push.settling import final

log = logging.getLogger("stadtkern.push.dispatcher")

D = cast(sa.Table, PushDelivery.__table__)
O = cast(sa.Table, PushOutbox.__table__)  # noqa: E741 - short names keep the SQL readable


async def claim_deliveries(
    session: AsyncSession,
    slug: str,
    settings: PushSettings,
    now: dt.datetime,
    outboxes: dict[uuid.UUID, dict[str, Any]],
    claimer: int | None = None,
) -> tuple[str, Sequence[Any]]:
    """Lease this call's share of ``batch_size`` due deliveries (with their devices' tokens) under a
    fresh claim token; ``outboxes`` (a cache by notification id) gains their notifications."""
    token = await claim(
        session,
        D,
        slug=slug,
        states=[DELIVERY_QUEUED, DELIVERY_SENDING],
        claimed_state=DELIVERY_SENDING,
        order_by=(D.c.next_attempt_at,),
        limit=share(settings),
        now=now,
        lease_seconds=settings.send_lease_seconds,
        claimer=claimer,
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
    missing = {row.notification_id for row in claimed} - set(outboxes)
    if missing:
        for found in (await session.execute(sa.select(O).where(O.c.id.in_(missing)))).mappings():
            outboxes[found["id"]] = dict(found)
    return token, claimed


def share(settings: PushSettings) -> int:
    """Deliveries one FCM call carries: the calls in flight together never exceed ``batch_size``."""
    return max(1, settings.batch_size // settings.concurrency)


async def renew(session: AsyncSession, token: str, now: dt.datetime, settings: PushSettings) -> None:
    """Extend the lease of a batch still being sent (the dispatcher's heartbeat)."""
    await session.execute(
        sa.update(D)
        .where(D.c.claim_token == token, D.c.state == DELIVERY_SENDING)
        .values(next_attempt_at=now + dt.timedelta(seconds=settings.send_lease_seconds))
    )


def prepare(
    claimed: Sequence[Any],
    outboxes: dict[uuid.UUID, dict[str, Any]],
    tenant: TenantInfo,
    now: dt.datetime,
) -> tuple[list[OutMessage], dict[uuid.UUID, int], list[dict[str, Any]]]:
    """The messages to send, each delivery's attempt number, and the deliveries settled without
    sending (cancelled, expired, no active token)."""
    messages: list[OutMessage] = []
    attempts: dict[uuid.UUID, int] = {}
    finished: list[dict[str, Any]] = []
    for row in claimed:
        ob = outboxes[row.notification_id]
        attempts[row.id] = row.attempts
        if ob["state"] == OUTBOX_CANCELLED:
            finished.append(final(row.id, DELIVERY_SKIPPED, "cancelled", now))
            continue
        if ob["created_at"] + dt.timedelta(seconds=ob["ttl_seconds"]) < now:
            finished.append(final(row.id, DELIVERY_SKIPPED, "expired", now))
            continue
        if not row.push_token or not row.push_token_active:
            finished.append(final(row.id, DELIVERY_FAILED, "token_inactive", now))
            continue
        messages.append(_message(row, ob, tenant, now))
    return messages, attempts, finished


def _message(row: Any, ob: dict[str, Any], tenant: TenantInfo, now: dt.datetime) -> OutMessage:
    # The device's language, else the city's in manifest order, else any text present.
    wanted = (row.device_locale or row.locale, *tenant.locales)
    return OutMessage(
        delivery_id=row.id,
        notification_id=row.notification_id,
        device_id=row.device_id,
        token=row.push_token,
        title=pick(ob["title"], wanted),
        body=pick(ob["body"], wanted),
        deep_link=ob["deep_link"],
        data={str(k): str(v) for k, v in (ob["data"] or {}).items()},
        priority=ob["priority"],
        collapse_key=ob["collapse_key"],
        ttl_seconds=max(0, int((ob["created_at"] + dt.timedelta(seconds=ob["ttl_seconds"]) - now).total_seconds())),
    )


async def send(backend: Backend, limiter: Limiter, slug: str, messages: list[OutMessage]) -> list[SendResult]:
    """Send within the city's rate; one result per message, in order."""
    if not messages:
        return []
    await limiter.acquire(len(messages))
    try:
        return await backend.send(messages)
    except Exception as exc:  # the whole batch failed (network, auth): retry all of it
        log.warning("push %s: batch of %d failed: %r", slug, len(messages), exc)
        return [SendResult(ok=False, code="UNKNOWN", detail=repr(exc)[:500], retryable=True)] * len(messages)
