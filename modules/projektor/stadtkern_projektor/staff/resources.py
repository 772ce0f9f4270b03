"""Staff maintain rooms, equipment and closures."""

from __future__ import annotations

import uuid

from litestar import Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import select

from core.api import (
    DEFAULT_LIMIT,
    Invalid,
    NotFound,
    check_texts,
    check_years,
    created_resource,
    paginate,
    require_editor,
)
from schemas import Page
from stadtkern_projektor.controllers.common import Ctx
from stadtkern_projektor.models import Closure, Equipment, Room
from stadtkern_projektor.schemas.resources import (
    ClosureIn,
    ClosureOut,
    EquipmentIn,
    EquipmentOut,
    RoomIn,
    RoomOut,
    closure_out,
    equipment_out,
    room_out,
)
from stadtkern_projektor.services.manage import add_equipment, apply_room, remove_room, set_units
from stadtkern_projektor.services.rooms import get_room


def _texts(ctx: Ctx, **texts: object) -> None:
    check_texts(ctx.tenant, **{f"body.{k}": v for k, v in texts.items()})  # type: ignore[arg-type]


@post(
    "/rooms",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Add a room or area (editors)",
    opt=created_resource("/projektor/rooms/{id}"),
)
async def create_room(data: JSONBody[RoomIn], ctx: Ctx) -> RoomOut:
    """Opening hours per ISO weekday, in the city's time zone."""
    _texts(ctx, name=data.name, description=data.description, accessibility=data.accessibility)
    row = apply_room(Room(), data)
    ctx.session.add(row)
    await ctx.session.flush()
    return room_out(row, ctx.locales)


@put("/rooms/{room_id:uuid}", guards=[require_editor], summary="Replace a room's description and slot rules (editors)")
async def update_room(room_id: FromPath[uuid.UUID], data: JSONBody[RoomIn], ctx: Ctx) -> RoomOut:
    """Existing bookings stay as they are."""
    _texts(ctx, name=data.name, description=data.description, accessibility=data.accessibility)
    row = apply_room(await get_room(ctx.session, room_id), data)
    await ctx.session.flush()
    return room_out(row, ctx.locales)


@delete("/rooms/{room_id:uuid}", guards=[require_editor], status_code=HTTP_204_NO_CONTENT, summary="Delete a room")
async def delete_room(room_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[None]:
    """Its bookings go with it; apps learn it through a tombstone."""
    await remove_room(ctx.session, await get_room(ctx.session, room_id))
    return Response(None, status_code=HTTP_204_NO_CONTENT)


@post(
    "/equipment",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Add equipment (editors)",
    opt=created_resource("/projektor/equipment/{id}"),
)
async def create_equipment(data: JSONBody[EquipmentIn], ctx: Ctx) -> EquipmentOut:
    """``count`` pieces, each its own unit the overlap rule guards."""
    _texts(ctx, name=data.name, description=data.description)
    return equipment_out(await add_equipment(ctx.session, data), ctx.locales)


@put("/equipment/{equipment_id:uuid}", guards=[require_editor], summary="Change equipment, e.g. its count (editors)")
async def update_equipment(equipment_id: FromPath[uuid.UUID], data: JSONBody[EquipmentIn], ctx: Ctx) -> EquipmentOut:
    """Fewer pieces than are booked at some time is a 409."""
    _texts(ctx, name=data.name, description=data.description)
    row = await ctx.session.get(Equipment, equipment_id)
    if row is None:
        raise NotFound(detail="equipment not found")
    row.name = dict(data.name)
    row.description = dict(data.description) if data.description else None
    row.room_id = data.room_id
    await set_units(ctx.session, row, data.count)
    return equipment_out(row, ctx.locales)


@get("/closures", guards=[require_editor], summary="Closures and holidays (editors)")
async def list_closures(
    ctx: Ctx, cursor: FromQuery[str | None] = None, limit: FromQuery[int] = DEFAULT_LIMIT
) -> Page[ClosureOut]:
    """In time order."""
    stmt = select(Closure)
    rows, next_cursor = await paginate(ctx.session, stmt, [Closure.starts_at, Closure.id], cursor=cursor, limit=limit)
    return Page(items=[closure_out(r, ctx.locales) for r in rows], next_cursor=next_cursor)


async def _closure(ctx: Ctx, closure_id: uuid.UUID) -> Closure:
    row = await ctx.session.get(Closure, closure_id)
    if row is None:
        raise NotFound(detail="closure not found")
    return row


@get("/closures/{closure_id:uuid}", guards=[require_editor], summary="One closure or holiday (editors)")
async def show_closure(closure_id: FromPath[uuid.UUID], ctx: Ctx) -> ClosureOut:
    """404 for a closure of another city."""
    return closure_out(await _closure(ctx, closure_id), ctx.locales)


@post(
    "/closures",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Close the lab or a room (editors)",
    opt=created_resource("/projektor/closures/{id}"),
)
async def create_closure(data: JSONBody[ClosureIn], ctx: Ctx) -> ClosureOut:
    """Slots inside a closure are not offered; existing bookings there stay (staff cancel them)."""
    check_years(starts_at=data.starts_at, ends_at=data.ends_at)
    if data.ends_at <= data.starts_at:
        raise Invalid("body.ends_at", "must be after starts_at")
    _texts(ctx, reason=data.reason)
    if data.room_id is not None:
        await get_room(ctx.session, data.room_id)
    row = Closure(
        room_id=data.room_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        reason=dict(data.reason) if data.reason else None,
    )
    ctx.session.add(row)
    await ctx.session.flush()
    return closure_out(row, ctx.locales)


@delete("/closures/{closure_id:uuid}", guards=[require_editor], status_code=HTTP_204_NO_CONTENT, summary="Reopen")
async def delete_closure(closure_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[None]:
    """The slots are offered again."""
    await ctx.session.delete(await _closure(ctx, closure_id))
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [
    create_room,
    update_room,
    delete_room,
    create_equipment,
    update_equipment,
    list_closures,
    show_closure,
    create_closure,
    delete_closure,
]
