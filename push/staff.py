"""Staff API under /v1/{tenant}/push: compose (with preview), schedule, cancel, deliveries, figures."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Annotated, Any, Literal

import msgspec
import sqlalchemy as sa
from litestar import Response, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import (
    DEFAULT_LIMIT,
    Audience,
    Conflict,
    Invalid,
    ModuleContext,
    NotFound,
    Notification,
    RequestContext,
    StaffUser,
    check_texts,
    check_years,
    created_resource,
    paginate,
    require_editor,
    utcnow,
)
from push import topics
from push.models import (
    DELIVERY_QUEUED,
    DELIVERY_SENDING,
    DELIVERY_SKIPPED,
    OUTBOX_CANCELLED,
    OUTBOX_EXPANDED,
    OUTBOX_EXPANDING,
    OUTBOX_PENDING,
    DeliveryState,
    OutboxState,
    Priority,
    PushDelivery,
    PushOutbox,
)
from push.services import PushService
from push.targeting import quiet_hours_end, select_targets
from schemas import Key, LocalizedText, Page, ShortText

Ctx = RequestContext[Any]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# A push scheduled further ahead is almost certainly a typo in the year.
MAX_SCHEDULE_AHEAD = dt.timedelta(days=5 * 366)
# FCM traffic peaks at the top of each hour; scheduled sends are spread over this many seconds.
SCHEDULE_JITTER_SECONDS = 45


class AudienceIn(msgspec.Struct, forbid_unknown_fields=True):
    districts: Annotated[list[Name], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)
    categories: Annotated[list[Name], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)


class PreviewIn(msgspec.Struct, forbid_unknown_fields=True):
    topic: Key
    audience: AudienceIn = msgspec.field(default_factory=AudienceIn)


class PreviewOut(msgspec.Struct):
    devices: int
    in_quiet_hours_now: int


class ComposeIn(msgspec.Struct, forbid_unknown_fields=True):
    topic: Key
    title: LocalizedText
    body: LocalizedText
    deep_link: Annotated[str, msgspec.Meta(max_length=500, pattern=r"^[a-z][a-z0-9+.-]*://")] | None = None
    data: Annotated[dict[Key, ShortText], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=dict)
    priority: Literal["normal", "high"] = "normal"
    collapse_key: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    ttl_seconds: Annotated[int, msgspec.Meta(ge=0, le=28 * 86_400)] = 86_400
    send_at: dt.datetime | None = None
    audience: AudienceIn = msgspec.field(default_factory=AudienceIn)


class Figures(msgspec.Struct):
    targeted: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    deferred: int = 0
    pending: int = 0
    opened: int = 0


class NotificationOut(msgspec.Struct):
    id: uuid.UUID
    topic: str
    title: dict[str, Any]
    body: dict[str, Any]
    state: OutboxState
    priority: Priority
    audience: dict[str, Any]
    created_at: dt.datetime
    send_at: dt.datetime | None
    created_by: str | None
    figures: Figures


class DeliveryOut(msgspec.Struct):
    id: uuid.UUID
    device_id: uuid.UUID
    state: DeliveryState
    attempts: int
    locale: str
    next_attempt_at: dt.datetime
    deferred_reason: str | None
    error: str | None
    sent_at: dt.datetime | None
    opened_at: dt.datetime | None


def _check_topic(ctx: ModuleContext[Any], topic: str) -> None:
    offered = topics.topics_for(ctx.tenant)
    if topic not in offered:
        raise Invalid("body.topic", f"unknown topic; offered: {', '.join(sorted(offered))}")


async def _figures(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Figures]:
    figures = {i: Figures() for i in ids}
    if not ids:
        return figures
    now = utcnow()
    d = PushDelivery
    rows = await session.execute(
        sa.select(
            d.notification_id,
            d.state,
            (d.next_attempt_at > now).label("later"),
            sa.func.count(),
            sa.func.count(d.opened_at),
        )
        .where(d.notification_id.in_(ids))
        .group_by(d.notification_id, d.state, "later")
    )
    for nid, state, later, count, opened in rows:
        fig = figures[nid]
        fig.targeted += count
        fig.opened += opened
        if state in (DELIVERY_QUEUED, DELIVERY_SENDING):
            if state == DELIVERY_QUEUED and later:
                fig.deferred += count
            else:
                fig.pending += count
        elif hasattr(fig, state):
            setattr(fig, state, getattr(fig, state) + count)
    return figures


def _out(row: PushOutbox, figures: Figures) -> NotificationOut:
    return NotificationOut(
        id=row.id,
        topic=row.topic,
        title=row.title,
        body=row.body,
        state=row.state,
        priority=row.priority,
        audience=row.audience,
        created_at=row.created_at,
        send_at=row.not_before,
        created_by=row.created_by,
        figures=figures,
    )


async def _get(ctx: ModuleContext[Any], notification_id: uuid.UUID) -> PushOutbox:
    row = await ctx.session.get(PushOutbox, notification_id)
    if row is None:
        raise NotFound(detail="notification not found")
    return row


@post(
    "/notifications/preview",
    guards=[require_editor],
    status_code=HTTP_200_OK,  # a question, nothing is created
    summary="How many devices a push would reach",
)
async def preview(data: JSONBody[PreviewIn], ctx: Ctx) -> PreviewOut:
    _check_topic(ctx, data.topic)
    topic = topics.topics_for(ctx.tenant)[data.topic]
    targets = await select_targets(
        ctx.session, ctx.tenant.slug, data.topic, topic.default_on, msgspec.to_builtins(data.audience)
    )
    now = utcnow()
    quiet = sum(1 for _, _, start, end in targets if quiet_hours_end(now, ctx.tenant.time_zone, start, end))
    return PreviewOut(devices=len(targets), in_quiet_hours_now=quiet)


@post(
    "/notifications",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Send or schedule a push",
    opt=created_resource("/push/notifications/{id}"),
)
async def compose(data: JSONBody[ComposeIn], ctx: Ctx) -> NotificationOut:
    _check_topic(ctx, data.topic)
    check_texts(ctx.tenant, **{"body.title": data.title, "body.body": data.body})
    send_at = data.send_at
    if send_at is not None:
        if send_at.tzinfo is None:
            raise Invalid("body.send_at", "needs a time zone offset")
        check_years(send_at=send_at)  # first: comparing year 1 or 9999 with an offset overflows
        if send_at > utcnow() + MAX_SCHEDULE_AHEAD:
            raise Invalid("body.send_at", "must lie within five years from now")
        send_at += dt.timedelta(seconds=random.uniform(0, SCHEDULE_JITTER_SECONDS))
    notification = Notification(
        topic=data.topic,
        title=data.title,
        body=data.body,
        deep_link=data.deep_link,
        data=data.data,
        priority=data.priority,
        collapse_key=data.collapse_key,
        ttl_seconds=data.ttl_seconds,
        not_before=send_at,
        audience=Audience(districts=tuple(data.audience.districts), categories=tuple(data.audience.categories)),
    )
    try:
        notification_id = await PushService().notify(ctx.session, ctx.tenant, notification)
    except ValueError as exc:
        raise Invalid("body", str(exc)) from None
    row = await _get(ctx, notification_id)
    user = ctx.user
    row.created_by = f"staff:{user.staff_id}" if isinstance(user, StaffUser) else None
    await ctx.session.flush()
    return _out(row, Figures())


@get("/notifications", guards=[require_editor], summary="Notifications of this city, newest first")
async def list_notifications(
    ctx: Ctx,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
    only: Annotated[str | None, QueryParameter(name="state", description="only this state")] = None,
) -> Page[NotificationOut]:
    stmt = sa.select(PushOutbox)
    if only:
        stmt = stmt.where(PushOutbox.state == only)
    rows, next_cursor = await paginate(
        ctx.session, stmt, [PushOutbox.created_at, PushOutbox.id], cursor=cursor, limit=limit, descending=True
    )
    figures = await _figures(ctx.session, [r.id for r in rows])
    return Page(items=[_out(r, figures[r.id]) for r in rows], next_cursor=next_cursor)


@get("/notifications/{notification_id:uuid}", guards=[require_editor], summary="One notification and its figures")
async def read_notification(notification_id: FromPath[uuid.UUID], ctx: Ctx) -> NotificationOut:
    row = await _get(ctx, notification_id)
    return _out(row, (await _figures(ctx.session, [row.id]))[row.id])


@delete(
    "/notifications/{notification_id:uuid}",
    guards=[require_editor],
    status_code=HTTP_204_NO_CONTENT,
    summary="Cancel a scheduled push (or what is still unsent of a running one)",
)
async def cancel_notification(notification_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[None]:
    row = await _get(ctx, notification_id)
    if row.state not in (OUTBOX_PENDING, OUTBOX_EXPANDING, OUTBOX_EXPANDED):
        raise Conflict(detail=f"notification is {row.state}; only pending or running ones can be cancelled")
    row.state = OUTBOX_CANCELLED
    row.claim_token = None
    await ctx.session.execute(
        sa.update(PushDelivery)
        .where(PushDelivery.notification_id == row.id, PushDelivery.state == DELIVERY_QUEUED)
        .values(state=DELIVERY_SKIPPED, error="cancelled", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await ctx.session.flush()
    return Response(None, status_code=HTTP_204_NO_CONTENT)


@get(
    "/notifications/{notification_id:uuid}/deliveries",
    guards=[require_editor],
    summary="Deliveries of one notification (filter ?state=dead for the dead letters)",
)
async def list_deliveries(
    notification_id: FromPath[uuid.UUID],
    ctx: Ctx,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
    only: Annotated[str | None, QueryParameter(name="state", description="only this state")] = None,
) -> Page[DeliveryOut]:
    row = await _get(ctx, notification_id)
    stmt = sa.select(PushDelivery).where(PushDelivery.notification_id == row.id)
    if only:
        stmt = stmt.where(PushDelivery.state == only)
    rows, next_cursor = await paginate(ctx.session, stmt, [PushDelivery.id], cursor=cursor, limit=limit)
    return Page(
        items=[
            DeliveryOut(
                id=d.id,
                device_id=d.device_id,
                state=d.state,
                attempts=d.attempts,
                locale=d.locale,
                next_attempt_at=d.next_attempt_at,
                deferred_reason=d.deferred_reason,
                error=d.error,
                sent_at=d.sent_at,
                opened_at=d.opened_at,
            )
            for d in rows
        ],
        next_cursor=next_cursor,
    )


staff_handlers = (
    preview,
    compose,
    list_notifications,
    read_notification,
    cancel_notification,
    list_deliveries,
)
