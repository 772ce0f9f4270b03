"""Calendars for residents: one booking as .ics, and a secret, revocable feed of all their bookings."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Response, delete, get, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from core.api import NotFound, created_resource, require_device
from stadtkern_projektor.controllers.common import Ctx, device_of
from stadtkern_projektor.models import Booking, Feed
from stadtkern_projektor.services.calendars import LISTED, calendar, feed_device, new_feed, titles
from stadtkern_projektor.services.lifecycle import own_booking

ICS = "text/calendar; charset=utf-8"
Token = Annotated[str, msgspec.Meta(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class FeedOut(msgspec.Struct):
    """The feed's secret URL path and its token (shown once; ask for a new one to revoke the old)."""

    path: str
    token: str


@get("/bookings/{booking_id:uuid}/calendar.ics", guards=[require_device], summary="One booking as iCalendar")
async def booking_calendar(booking_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[bytes]:
    """For the phone's calendar; the UID stays the same, so importing twice updates the entry."""
    row = await own_booking(ctx.session, booking_id, device_of(ctx))
    body = calendar([row], await titles(ctx.session, [row], ctx.locales), ctx.tenant.slug, name="PROJEKTOR")
    return Response(body, media_type=ICS, headers={"Cache-Control": "private, no-store"})


@post(
    "/feeds/mine",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Create or renew the personal feed URL",
    opt=created_resource("/projektor/feeds/{token}/bookings.ics"),
)
async def create_feed(ctx: Ctx) -> FeedOut:
    """Any earlier URL of this device stops working."""
    token = await new_feed(ctx.session, ctx.keys.derive("feed"), device_of(ctx))
    return FeedOut(path=f"/v1/{ctx.tenant.slug}/projektor/feeds/{token}/bookings.ics", token=token)


@delete("/feeds/mine", guards=[require_device], status_code=HTTP_204_NO_CONTENT, summary="Revoke the personal feed URL")
async def revoke_feed(ctx: Ctx) -> Response[None]:
    """The URL answers 404 from now on."""
    await ctx.session.execute(sql_delete(Feed).where(Feed.device_id == device_of(ctx)))
    return Response(None, status_code=HTTP_204_NO_CONTENT)


@get("/feeds/{token:str}/bookings.ics", summary="A device's bookings as a calendar feed (the secret URL is the key)")
async def feed(token: FromPath[Token], ctx: Ctx) -> Response[bytes]:
    """Confirmed and pending bookings, for calendar apps that cannot send a device credential."""
    device = await feed_device(ctx.session, ctx.keys.derive("feed"), token)
    if device is None:
        raise NotFound(detail="feed not found")
    stmt = select(Booking).where(Booking.device_id == device, Booking.status.in_(LISTED)).order_by(Booking.starts_at)
    rows = list(await ctx.session.scalars(stmt))
    body = calendar(rows, await titles(ctx.session, rows, ctx.locales), ctx.tenant.slug, name="PROJEKTOR")
    return Response(body, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})


route_handlers = [booking_calendar, create_feed, revoke_feed, feed]
