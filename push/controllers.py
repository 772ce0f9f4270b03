"""Resident API under /v1/{tenant}: subscriptions, quiet hours, opens."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Response, get, post, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import DeviceUser, Invalid, ModuleContext, NotFound, RequestContext, pick, require_device, utcnow
from push import topics
from push.device_table import core_device
from push.models import PushDelivery, PushPreference, PushSubscription
from push.schemas import (
    OpenedIn,
    PushSettingsIn,
    PushSettingsOut,
    QuietHours,
    SubscriptionsIn,
    SubscriptionsOut,
    TopicOut,
)

Ctx = RequestContext[Any]


def _device(ctx: ModuleContext[Any]) -> DeviceUser:
    user = ctx.user
    assert isinstance(user, DeviceUser)  # require_device guarantees it
    return user


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


async def _locale(session: AsyncSession, user: DeviceUser) -> str:
    locale = await session.scalar(sa.select(core_device.c.locale).where(core_device.c.id == user.device_id))
    if locale is None:
        raise NotFound(detail="device not found")
    return str(locale)


async def _preference(session: AsyncSession, user: DeviceUser) -> PushPreference | None:
    return await session.scalar(sa.select(PushPreference).where(PushPreference.device_id == user.device_id))


def _quiet(pref: PushPreference | None) -> QuietHours | None:
    if pref is None or pref.quiet_start is None or pref.quiet_end is None:
        return None
    return QuietHours(start=_hhmm(pref.quiet_start), end=_hhmm(pref.quiet_end))


async def _apply_settings(
    session: AsyncSession, ctx: ModuleContext[Any], user: DeviceUser, data: SubscriptionsIn | PushSettingsIn
) -> PushPreference | None:
    pref = await _preference(session, user)
    if data.quiet_hours is msgspec.UNSET and data.district is msgspec.UNSET:
        return pref
    if pref is None:
        pref = PushPreference(device_id=user.device_id)
        session.add(pref)
    if not isinstance(data.quiet_hours, msgspec.UnsetType):
        quiet = data.quiet_hours
        pref.quiet_start = None if quiet is None else _minutes(quiet.start)
        pref.quiet_end = None if quiet is None else _minutes(quiet.end)
    if not isinstance(data.district, msgspec.UnsetType):
        pref.district = data.district
    return pref


async def _read(ctx: ModuleContext[Any], user: DeviceUser) -> SubscriptionsOut:
    session = ctx.session
    locale = await _locale(session, user)
    rows = {
        s.topic: s
        for s in await session.scalars(sa.select(PushSubscription).where(PushSubscription.device_id == user.device_id))
    }
    out: list[TopicOut] = []
    for topic in topics.topics_for(ctx.tenant).values():
        sub = rows.get(topic.id)
        out.append(
            TopicOut(
                id=topic.id,
                title=pick(topic.title, (locale, *ctx.tenant.locales)),
                enabled=sub.enabled if sub is not None else topic.default_on,
                default_on=topic.default_on,
                districts=list(sub.districts) if sub is not None else [],
                categories=list(sub.categories) if sub is not None else [],
                opted_in_at=sub.opted_in_at if sub is not None and sub.enabled else None,
            )
        )
    pref = await _preference(session, user)
    return SubscriptionsOut(
        topics=out,
        quiet_hours=_quiet(pref),
        district=pref.district if pref is not None else None,
        time_zone=ctx.tenant.time_zone.key,
    )


@get("/devices/me/subscriptions", guards=[require_device], summary="This device's push topics")
async def read_subscriptions(ctx: Ctx) -> SubscriptionsOut:
    return await _read(ctx, _device(ctx))


@put("/devices/me/subscriptions", guards=[require_device], summary="Set push topics, narrowing, quiet hours")
async def write_subscriptions(data: JSONBody[SubscriptionsIn], ctx: Ctx) -> SubscriptionsOut:
    user = _device(ctx)
    session = ctx.session
    offered = topics.topics_for(ctx.tenant)
    problems = [
        (f"body.topics[{i}].id", f"unknown topic; offered: {', '.join(sorted(offered))}")
        for i, item in enumerate(data.topics)
        if item.id not in offered
    ]
    seen: set[str] = set()
    for i, item in enumerate(data.topics):
        if item.id in seen:
            problems.append((f"body.topics[{i}].id", "listed twice"))
        seen.add(item.id)
    if problems:
        raise Invalid.many(problems)
    await _locale(session, user)  # 404 if the device is gone
    existing = {
        s.topic: s
        for s in await session.scalars(sa.select(PushSubscription).where(PushSubscription.device_id == user.device_id))
    }
    now = utcnow()
    for item in data.topics:
        sub = existing.get(item.id)
        if sub is None:
            sub = PushSubscription(device_id=user.device_id, topic=item.id, enabled=False)
            session.add(sub)
        if item.enabled and not sub.enabled:
            sub.opted_in_at = now  # the consent record: when this device last opted in
        if not item.enabled and (sub.enabled or sub.opted_out_at is None):
            sub.opted_out_at = now
        sub.enabled = item.enabled
        sub.districts = sorted(set(item.districts))
        sub.categories = sorted(set(item.categories))
    await _apply_settings(session, ctx, user, data)
    await session.flush()
    return await _read(ctx, user)


@get("/devices/me/push-settings", guards=[require_device], summary="Quiet hours and home district")
async def read_push_settings(ctx: Ctx) -> PushSettingsOut:
    pref = await _preference(ctx.session, _device(ctx))
    return PushSettingsOut(
        quiet_hours=_quiet(pref),
        district=pref.district if pref is not None else None,
        time_zone=ctx.tenant.time_zone.key,
    )


@put("/devices/me/push-settings", guards=[require_device], summary="Set quiet hours and home district")
async def write_push_settings(data: JSONBody[PushSettingsIn], ctx: Ctx) -> PushSettingsOut:
    user = _device(ctx)
    await _locale(ctx.session, user)
    pref = await _apply_settings(ctx.session, ctx, user, data)
    await ctx.session.flush()
    return PushSettingsOut(
        quiet_hours=_quiet(pref),
        district=pref.district if pref is not None else None,
        time_zone=ctx.tenant.time_zone.key,
    )


@post("/push/opened", guards=[require_device], status_code=HTTP_204_NO_CONTENT, summary="The app opened a push")
async def report_opened(data: JSONBody[OpenedIn], ctx: Ctx) -> Response[None]:
    """Records the first open of a notification on this device; nothing else is stored."""
    user = _device(ctx)
    result = await ctx.session.execute(
        sa.update(PushDelivery)
        .where(
            PushDelivery.notification_id == data.notification_id,
            PushDelivery.device_id == user.device_id,
        )
        .values(opened_at=sa.func.coalesce(PushDelivery.opened_at, utcnow()))
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound(detail="no such notification for this device")
    return Response(None, status_code=HTTP_204_NO_CONTENT)


resident_handlers = (
    read_subscriptions,
    write_subscriptions,
    read_push_settings,
    write_push_settings,
    report_opened,
)
