"""A device's own bookings: the list with ``?since=``, one booking, confirm, cancel."""

from __future__ import annotations

import uuid

from litestar import get, post
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import select

from core.api import DEFAULT_LIMIT, deleted_since, paginate, parse_since, require_device, sync_token, utcnow
from schemas import DeltaPage
from stadtkern_projektor.controllers.common import Ctx, device_of
from stadtkern_projektor.models import Booking
from stadtkern_projektor.models.bookings import RESOURCE_BOOKING
from stadtkern_projektor.schemas.bookings import BookingOut, ConfirmIn, booking_out
from stadtkern_projektor.services.lifecycle import cancel, confirm, own_booking


@get("/bookings/mine", guards=[require_device], summary="The caller's bookings, newest change last; ?since= deltas")
async def my_bookings(
    ctx: Ctx,
    since: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> DeltaPage[BookingOut]:
    """With ``?since=`` only what changed since that token (status changes included)."""
    token = sync_token(utcnow())
    changed = parse_since(since)
    stmt = select(Booking).where(Booking.device_id == device_of(ctx))
    deleted: list[str] = []
    if changed is not None:
        stmt = stmt.where(Booking.updated_at > changed)
        if not cursor:
            deleted = await deleted_since(ctx.session, RESOURCE_BOOKING, changed)
    rows, next_cursor = await paginate(ctx.session, stmt, [Booking.id], cursor=cursor, limit=limit)
    return DeltaPage(items=[booking_out(r) for r in rows], deleted=deleted, sync_token=token, next_cursor=next_cursor)


@get("/bookings/{booking_id:uuid}", guards=[require_device], summary="One of the caller's bookings")
async def show_booking(booking_id: FromPath[uuid.UUID], ctx: Ctx) -> BookingOut:
    """Another device's booking is a 404."""
    return booking_out(await own_booking(ctx.session, booking_id, device_of(ctx)))


@post(
    "/bookings/{booking_id:uuid}/confirm",
    guards=[require_device],
    status_code=200,
    summary="Turn a hold or a waiting-list offer into a booking (409 once it ran out)",
)
async def confirm_booking(booking_id: FromPath[uuid.UUID], data: JSONBody[ConfirmIn], ctx: Ctx) -> BookingOut:
    """Pending where staff approve the room or workshop."""
    row = await own_booking(ctx.session, booking_id, device_of(ctx))
    await confirm(ctx.session, row, name=data.participant_name, email=data.participant_email, now=utcnow())
    return booking_out(row)


@post(
    "/bookings/{booking_id:uuid}/cancel",
    guards=[require_device],
    status_code=200,
    summary="Cancel a booking until its deadline, or leave the waiting list",
)
async def cancel_booking(booking_id: FromPath[uuid.UUID], ctx: Ctx) -> BookingOut:
    """A freed seat is offered to the next waiting resident at once."""
    row = await own_booking(ctx.session, booking_id, device_of(ctx))
    await cancel(ctx.session, ctx.settings, ctx.push, row, now=utcnow(), tz=ctx.tenant.time_zone)
    return booking_out(row)


route_handlers = [my_bookings, show_booking, confirm_booking, cancel_booking]
