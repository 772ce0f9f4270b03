"""Staff approve or decline pending requests (groups for the workshop room, say)."""

from __future__ import annotations

import uuid

from litestar import get, post
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import select

from core.api import DEFAULT_LIMIT, Invalid, paginate, require_editor, utcnow
from schemas import Page
from stadtkern_projektor.controllers.common import Ctx
from stadtkern_projektor.models import Booking
from stadtkern_projektor.schemas.staff import DecisionIn, StaffBookingOut, staff_booking_out
from stadtkern_projektor.services.decisions import decide, get_booking


@get("/approvals", guards=[require_editor], summary="Requests waiting for a decision, oldest first (editors)")
async def pending(
    ctx: Ctx, cursor: FromQuery[str | None] = None, limit: FromQuery[int] = DEFAULT_LIMIT
) -> Page[StaffBookingOut]:
    """Cursor-paginated."""
    stmt = select(Booking).where(Booking.status == "pending")
    rows, next_cursor = await paginate(ctx.session, stmt, [Booking.id], cursor=cursor, limit=limit)
    return Page(items=[staff_booking_out(r) for r in rows], next_cursor=next_cursor)


@post(
    "/approvals/{booking_id:uuid}",
    guards=[require_editor],
    status_code=200,
    summary="Approve or decline a pending request (a decline needs a reason); the resident gets a push",
)
async def decide_route(booking_id: FromPath[uuid.UUID], data: JSONBody[DecisionIn], ctx: Ctx) -> StaffBookingOut:
    """409 when the booking is not pending."""
    if not data.approve and not data.reason:
        raise Invalid("body.reason", "a decline needs a reason")
    row = await get_booking(ctx.session, booking_id)
    await decide(
        ctx.session,
        ctx.settings,
        ctx.push,
        row,
        approve=data.approve,
        reason=data.reason,
        now=utcnow(),
        tz=ctx.tenant.time_zone,
    )
    return staff_booking_out(row)


route_handlers = [pending, decide_route]
