"""The push port's implementation: ``notify`` writes one outbox row on the caller's session."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Notification, TenantInfo, utcnow
from push import topics
from push.models import OUTBOX_PENDING, PushOutbox

MAX_TTL_SECONDS = 28 * 86_400
# FCM refuses messages over 4 KB; leave room for the envelope the backend adds.
MAX_PAYLOAD_BYTES = 3_500


class PushService:
    """Provided as the ``push`` port. Stateless: safe to share between requests and jobs."""

    async def notify(self, session: AsyncSession, tenant: TenantInfo, notification: Notification) -> uuid.UUID:
        """Queue ``notification`` in the caller's transaction; it exists only if that commits."""
        offered = topics.topics_for(tenant)
        tenant_id = tenant.slug
        topic = offered.get(notification.topic)
        if topic is None:
            raise ValueError(
                f"push topic {notification.topic!r} is not declared by a module that city {tenant_id!r} enables "
                f"(known: {', '.join(sorted(offered))})"
            )
        if not 0 <= notification.ttl_seconds <= MAX_TTL_SECONDS:
            raise ValueError(f"ttl_seconds must be between 0 and {MAX_TTL_SECONDS}")
        size = len(msgspec.json.encode([notification.title, notification.body, notification.data]))
        if size > MAX_PAYLOAD_BYTES:
            raise ValueError(f"notification payload is {size} bytes; FCM allows about 4 KB")
        now = utcnow()
        not_before = notification.not_before
        if not_before is not None and not_before.tzinfo is None:
            raise ValueError("not_before must be timezone-aware")
        row = PushOutbox(
            tenant_id=tenant_id,
            topic=notification.topic,
            default_on=topic.default_on,
            title=msgspec.to_builtins(notification.title),
            body=msgspec.to_builtins(notification.body),
            deep_link=notification.deep_link,
            data=dict(notification.data),
            priority=notification.priority,
            collapse_key=notification.collapse_key,
            ttl_seconds=notification.ttl_seconds,
            not_before=not_before,
            audience=msgspec.to_builtins(notification.audience),
            state=OUTBOX_PENDING,
            attempts=0,
            next_attempt_at=max(now, not_before) if not_before else now,
            targeted=0,
        )
        session.add(row)
        await session.flush()
        return row.id
