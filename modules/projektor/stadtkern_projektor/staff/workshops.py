"""Staff maintain workshops and their sessions, see participant lists and call sessions off."""

from __future__ import annotations

import uuid

from litestar import get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy import select

from core.api import check_texts, check_years, created_resource, require_editor, utcnow
from stadtkern_projektor.controllers.common import Ctx
from stadtkern_projektor.models import ACTIVE, Booking, Workshop
from stadtkern_projektor.schemas.staff import CancelIn, CancelOut, StaffBookingOut, staff_booking_out
from stadtkern_projektor.schemas.workshops import SessionIn, WorkshopIn, WorkshopOut, workshop_out
from stadtkern_projektor.services.decisions import cancel_session
from stadtkern_projektor.services.manage import add_session, apply_workshop, check_sessions, get_session
from stadtkern_projektor.services.seats import get_workshop
from stadtkern_projektor.services.workshops import sessions_of


def _check(ctx: Ctx, data: WorkshopIn) -> None:
    check_texts(
        ctx.tenant,
        **{"body.title": data.title, "body.description": data.description, "body.accessibility": data.accessibility},
    )
    check_sessions(data.sessions)
    for s in data.sessions:
        check_years(starts_at=s.starts_at, ends_at=s.ends_at)


async def _out(ctx: Ctx, row: Workshop) -> WorkshopOut:
    return workshop_out(row, (await sessions_of(ctx.session, [row.id]))[row.id], ctx.locales)


@post(
    "/workshops",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Add a workshop with its sessions",
    opt=created_resource("/projektor/workshops/{id}"),
)
async def create_workshop(data: JSONBody[WorkshopIn], ctx: Ctx) -> WorkshopOut:
    """A series is one workshop with several sessions."""
    _check(ctx, data)
    row = await apply_workshop(ctx.session, Workshop(), data)
    ctx.session.add(row)
    await ctx.session.flush()
    for s in data.sessions:
        await add_session(ctx.session, row, s)
    return await _out(ctx, row)


@put("/workshops/{workshop_id:uuid}", guards=[require_editor], summary="Replace a workshop's description and rules")
async def update_workshop(workshop_id: FromPath[uuid.UUID], data: JSONBody[WorkshopIn], ctx: Ctx) -> WorkshopOut:
    """``sessions`` given here are added; existing sessions stay."""
    _check(ctx, data)
    row = await apply_workshop(ctx.session, await get_workshop(ctx.session, workshop_id, staff=True), data)
    for s in data.sessions:
        await add_session(ctx.session, row, s)
    await ctx.session.flush()
    return await _out(ctx, row)


@post(
    "/workshops/{workshop_id:uuid}/sessions",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Add a session to a workshop",
    # the answer is the workshop, not the session: its location is the workshop's
    opt=created_resource("/projektor/workshops/{workshop_id}"),
)
async def create_session(workshop_id: FromPath[uuid.UUID], data: JSONBody[SessionIn], ctx: Ctx) -> WorkshopOut:
    """Answers the workshop with all its sessions."""
    check_years(starts_at=data.starts_at, ends_at=data.ends_at)
    check_sessions([data], "body")
    row = await get_workshop(ctx.session, workshop_id, staff=True)
    await add_session(ctx.session, row, data)
    return await _out(ctx, row)


@post(
    "/sessions/{session_id:uuid}/cancel",
    guards=[require_editor],
    status_code=200,
    summary="Call a session off: everyone booked or waiting gets a push, the waiting list closes",
)
async def cancel_session_route(session_id: FromPath[uuid.UUID], data: JSONBody[CancelIn], ctx: Ctx) -> CancelOut:
    """409 when already cancelled."""
    row = await get_session(ctx.session, session_id)
    ended = await cancel_session(ctx.session, ctx.push, row, data.reason, utcnow())
    return CancelOut(session_id=row.id, ended=ended)


@get(
    "/sessions/{session_id:uuid}/participants",
    guards=[require_editor],
    summary="A session's seats and waiting list (editors)",
)
async def participants(session_id: FromPath[uuid.UUID], ctx: Ctx) -> list[StaffBookingOut]:
    """Seats first, then the waiting list in order."""
    row = await get_session(ctx.session, session_id)
    stmt = (
        select(Booking)
        .where(Booking.session_id == row.id, Booking.status.in_((*ACTIVE, "waiting")))
        .order_by(Booking.position.is_not(None), Booking.position, Booking.created_at)
    )
    return [staff_booking_out(b) for b in await ctx.session.scalars(stmt)]


route_handlers = [create_workshop, update_workshop, create_session, cancel_session_route, participants]
