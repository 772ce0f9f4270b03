"""Residents look at rooms and their free slots, hold and book slots."""

from __future__ import annotations

import datetime as dt
import uuid

from litestar import get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy import select

from core.api import (
    DEFAULT_LIMIT,
    Invalid,
    NotFound,
    created_resource,
    deleted_since,
    paginate,
    parse_since,
    plausible_year,
    require_device,
    sync_token,
    utcnow,
)
from schemas import DeltaPage, Page
from stadtkern_projektor.controllers.common import Ctx, device_of
from stadtkern_projektor.models import Equipment, Room
from stadtkern_projektor.models.resources import RESOURCE_ROOM
from stadtkern_projektor.schemas.bookings import BookingOut, SlotBookingIn, booking_out
from stadtkern_projektor.schemas.resources import (
    AvailabilityOut,
    EquipmentOut,
    RoomOut,
    SlotOut,
    equipment_out,
    room_out,
)
from stadtkern_projektor.services.rooms import SlotRequest, book_slot, closures_over, get_room, taken_over
from stadtkern_projektor.services.slots import free_slots

MAX_WINDOW_DAYS = 31


@get("/rooms", summary="The lab's rooms and areas, in the caller's language; ?since= deltas")
async def list_rooms(
    ctx: Ctx,
    since: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> DeltaPage[RoomOut]:
    """Cursor-paginated; with ``?since=`` changed rooms, and on the first page the deleted ones."""
    token = sync_token(utcnow())
    changed = parse_since(since)
    stmt = select(Room)
    deleted: list[str] = []
    if changed is not None:
        stmt = stmt.where(Room.updated_at > changed)
        if not cursor:
            deleted = await deleted_since(ctx.session, RESOURCE_ROOM, changed)
    rows, next_cursor = await paginate(ctx.session, stmt, [Room.id], cursor=cursor, limit=limit)
    items = [room_out(r, ctx.locales) for r in rows]
    return DeltaPage(items=items, deleted=deleted, sync_token=token, next_cursor=next_cursor)


@get("/rooms/{room_id:uuid}", summary="One room or area")
async def show_room(room_id: FromPath[uuid.UUID], ctx: Ctx) -> RoomOut:
    """404 for a room of another city."""
    return room_out(await get_room(ctx.session, room_id), ctx.locales)


@get("/rooms/{room_id:uuid}/availability", summary="A room's bookable slots over a window, free or taken, in one call")
async def availability(
    room_id: FromPath[uuid.UUID], ctx: Ctx, start: FromQuery[dt.date | None] = None, days: FromQuery[int] = 7
) -> AvailabilityOut:
    """From ``start`` (default: today in the city) for ``days`` days (at most 31); slots inside the
    room's notice and booking horizon only, closures left out."""
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise Invalid("query.days", f"must be between 1 and {MAX_WINDOW_DAYS}")
    tz = ctx.tenant.time_zone
    now = utcnow()
    first = start or now.astimezone(tz).date()
    if not plausible_year(first.year):
        raise Invalid("query.start", "outside the years this service knows")
    room = await get_room(ctx.session, room_id)
    dates = [first + dt.timedelta(days=n) for n in range(days)]
    begin = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(dates[-1] + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    taken = await taken_over(ctx.session, room.id, begin, end, now)
    closed = await closures_over(ctx.session, room.id, begin, end)
    slots = [SlotOut(s.starts_at, s.ends_at, free) for s, free in free_slots(room, dates, tz, now, taken, closed)]
    return AvailabilityOut(room_id=room.id, slots=slots)


def _request(data: SlotBookingIn) -> SlotRequest:
    return SlotRequest(
        starts_at=data.starts_at,
        slots=data.slots,
        group_size=data.group_size,
        equipment=[(w.id, w.count) for w in data.equipment],
    )


@post(
    "/rooms/{room_id:uuid}/holds",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Hold a slot for a few minutes while the resident fills in the form; 409 when taken",
    opt=created_resource("/projektor/bookings/{id}"),
)
async def hold_slot(room_id: FromPath[uuid.UUID], data: JSONBody[SlotBookingIn], ctx: Ctx) -> BookingOut:
    """Confirm it with ``POST /bookings/{id}/confirm`` before ``hold_expires_at``."""
    room = await get_room(ctx.session, room_id)
    row = await book_slot(
        ctx.session,
        ctx.settings,
        room,
        _request(data),
        device_id=device_of(ctx),
        tz=ctx.tenant.time_zone,
        now=utcnow(),
        hold=True,
    )
    return booking_out(row)


@post(
    "/rooms/{room_id:uuid}/bookings",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Book a slot at once (pending where staff approve the room); 409 when taken",
    opt=created_resource("/projektor/bookings/{id}"),
)
async def book_room(room_id: FromPath[uuid.UUID], data: JSONBody[SlotBookingIn], ctx: Ctx) -> BookingOut:
    """Exactly one of any number of concurrent requests for a slot succeeds; the database decides."""
    room = await get_room(ctx.session, room_id)
    row = await book_slot(
        ctx.session,
        ctx.settings,
        room,
        _request(data),
        device_id=device_of(ctx),
        tz=ctx.tenant.time_zone,
        now=utcnow(),
        hold=False,
    )
    return booking_out(row)


@get("/equipment", summary="The equipment the lab lends and how many pieces it has")
async def list_equipment(
    ctx: Ctx, cursor: FromQuery[str | None] = None, limit: FromQuery[int] = DEFAULT_LIMIT
) -> Page[EquipmentOut]:
    """Cursor-paginated."""
    rows, next_cursor = await paginate(ctx.session, select(Equipment), [Equipment.id], cursor=cursor, limit=limit)
    return Page(items=[equipment_out(r, ctx.locales) for r in rows], next_cursor=next_cursor)


@get("/equipment/{equipment_id:uuid}", summary="One kind of equipment and how many pieces the lab has")
async def show_equipment(equipment_id: FromPath[uuid.UUID], ctx: Ctx) -> EquipmentOut:
    """404 for equipment of another city."""
    row = await ctx.session.get(Equipment, equipment_id)
    if row is None:
        raise NotFound(detail="equipment not found")
    return equipment_out(row, ctx.locales)


route_handlers = [list_rooms, show_room, availability, hold_slot, book_room, list_equipment, show_equipment]
