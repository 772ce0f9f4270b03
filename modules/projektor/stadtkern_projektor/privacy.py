"""What projektor keeps about a device, for the resident's one export and one delete: its
bookings (with a participant's name and e-mail where a workshop asked for them), its counters and
whether it has a calendar feed (only a keyed hash of the feed's token is kept)."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
from sqlalchemy import delete, select

from core.api import DeviceContext, DeviceData
from stadtkern_projektor.models import Booking, DeviceQuota, Feed
from stadtkern_projektor.schemas.bookings import BookingOut, booking_out
from stadtkern_projektor.services.ledger import move
from stadtkern_projektor.settings import ProjektorSettings


class DeviceExport(msgspec.Struct):
    """Everything projektor keeps about one device."""

    bookings: list[BookingOut]
    active_bookings: int
    no_shows: int
    has_calendar_feed: bool
    exported_at: dt.datetime


async def _export(ctx: DeviceContext[ProjektorSettings]) -> DeviceExport:
    rows = await ctx.session.scalars(select(Booking).where(Booking.device_id == ctx.device_id).order_by(Booking.id))
    quota = await ctx.session.scalar(select(DeviceQuota).where(DeviceQuota.device_id == ctx.device_id))
    return DeviceExport(
        bookings=[booking_out(r) for r in rows],
        active_bookings=quota.active if quota else 0,
        no_shows=quota.no_shows if quota else 0,
        has_calendar_feed=await ctx.session.scalar(select(Feed.id).where(Feed.device_id == ctx.device_id)) is not None,
        exported_at=dt.datetime.now(dt.UTC),
    )


async def _delete(ctx: DeviceContext[ProjektorSettings]) -> None:
    device: uuid.UUID = ctx.device_id
    # Give back seats first, so the counters stay exact for everyone else.
    for row in await ctx.session.scalars(select(Booking).where(Booking.device_id == device)):
        await move(ctx.session, row, "cancelled")
    await ctx.session.execute(delete(Booking).where(Booking.device_id == device))
    await ctx.session.execute(delete(DeviceQuota).where(DeviceQuota.device_id == device))
    await ctx.session.execute(delete(Feed).where(Feed.device_id == device))


device_data = DeviceData(export=_export, delete=_delete)
