"""What events keeps about a device (favourites, reminders), for the resident's one export and delete."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from sqlalchemy import delete, select

from core.api import DeviceContext, DeviceData
from stadtkern_events.models import Favourite, Reminder


class FavouriteExport(msgspec.Struct):
    """A saved event and its reminder setting."""

    event_id: uuid.UUID
    remind_minutes: int | None
    saved_at: dt.datetime


class ReminderExport(msgspec.Struct):
    """A reminder planned or sent for one occurrence."""

    event_id: uuid.UUID
    occurrence_start: dt.datetime
    due_at: dt.datetime
    state: str


class EventsExport(msgspec.Struct):
    """Everything events holds about the device."""

    favourites: list[FavouriteExport]
    reminders: list[ReminderExport]


async def export_device(ctx: DeviceContext[Any]) -> EventsExport:
    """The device's favourites and reminders."""
    favourites = await ctx.session.scalars(
        select(Favourite).where(Favourite.device_id == ctx.device_id).order_by(Favourite.created_at)
    )
    reminders = await ctx.session.scalars(
        select(Reminder).where(Reminder.device_id == ctx.device_id).order_by(Reminder.due_at)
    )
    return EventsExport(
        favourites=[FavouriteExport(f.event_id, f.remind_minutes, f.created_at) for f in favourites],
        reminders=[ReminderExport(r.event_id, r.occurrence_start, r.due_at, r.state) for r in reminders],
    )


async def delete_device(ctx: DeviceContext[Any]) -> None:
    """Remove them explicitly: the foreign keys cascade too, but not on a SQLite without foreign_keys."""
    await ctx.session.execute(delete(Reminder).where(Reminder.device_id == ctx.device_id))
    await ctx.session.execute(delete(Favourite).where(Favourite.device_id == ctx.device_id))


device_data = DeviceData(export=export_device, delete=delete_device)
