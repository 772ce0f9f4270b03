"""What push keeps about a device (subscriptions, settings, deliveries), for the one export and delete."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from sqlalchemy import delete, select

from core.api import DeviceContext, DeviceData
from push.models import PushDelivery, PushPreference, PushSubscription


class SubscriptionExport(msgspec.Struct):
    """A topic the device opted in to or out of, with its filters."""

    topic: str
    enabled: bool
    districts: list[str]
    categories: list[str]
    opted_in_at: dt.datetime | None
    opted_out_at: dt.datetime | None


class SettingsExport(msgspec.Struct):
    """Quiet hours and home district."""

    quiet_start: int | None
    quiet_end: int | None
    district: str | None


class DeliveryExport(msgspec.Struct):
    """A notification addressed to the device and what became of it."""

    notification_id: uuid.UUID
    state: str
    sent_at: dt.datetime | None
    opened_at: dt.datetime | None


class PushExport(msgspec.Struct):
    """Everything push holds about the device."""

    subscriptions: list[SubscriptionExport]
    settings: SettingsExport | None
    deliveries: list[DeliveryExport]


async def export_device(ctx: DeviceContext[Any]) -> PushExport:
    """The device's subscriptions, settings and deliveries."""
    device = ctx.device_id
    subscriptions = await ctx.session.scalars(
        select(PushSubscription).where(PushSubscription.device_id == device).order_by(PushSubscription.topic)
    )
    preference = await ctx.session.scalar(select(PushPreference).where(PushPreference.device_id == device))
    deliveries = await ctx.session.scalars(
        select(PushDelivery).where(PushDelivery.device_id == device).order_by(PushDelivery.created_at)
    )
    return PushExport(
        subscriptions=[
            SubscriptionExport(s.topic, s.enabled, list(s.districts), list(s.categories), s.opted_in_at, s.opted_out_at)
            for s in subscriptions
        ],
        settings=SettingsExport(preference.quiet_start, preference.quiet_end, preference.district)
        if preference is not None
        else None,
        deliveries=[DeliveryExport(d.notification_id, d.state, d.sent_at, d.opened_at) for d in deliveries],
    )


async def delete_device(ctx: DeviceContext[Any]) -> None:
    """Remove them explicitly: the foreign keys cascade too, but not on a SQLite without foreign_keys."""
    for model in (PushDelivery, PushSubscription, PushPreference):
        await ctx.session.execute(delete(model).where(model.device_id == ctx.device_id))


device_data = DeviceData(export=export_device, delete=delete_device)
