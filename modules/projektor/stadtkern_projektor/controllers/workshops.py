"""Residents browse workshops and take seats or waiting-list places."""

from __future__ import annotations

import uuid

from litestar import Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from core.api import (
    DEFAULT_LIMIT,
    ROLE_EDITOR,
    NotFound,
    StaffUser,
    created_resource,
    parse_since,
    require_device,
    sync_token,
    utcnow,
)
from schemas import DeltaPage
from stadtkern_projektor.controllers.common import Ctx, device_of
from stadtkern_projektor.models import Session
from stadtkern_projektor.schemas.bookings import BookingOut, SeatBookingIn, booking_out
from stadtkern_projektor.schemas.workshops import SessionOut, WorkshopOut, workshop_out
from stadtkern_projektor.services.lifecycle import check_contact
from stadtkern_projektor.services.seats import SeatRequest, book_seat, get_workshop
from stadtkern_projektor.services.workshops import sessions_of, workshop_page


@get("/workshops", summary="Workshops with sessions still to come, seats left per session; ?since= deltas")
async def list_workshops(
    ctx: Ctx,
    since: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> DeltaPage[WorkshopOut]:
    """Cursor-paginated; each with all its sessions. With ``?since=`` only workshops whose texts,
    sessions, seats or waiting lists changed (apps poll this for seats left)."""
    now = utcnow()
    token = sync_token(now)
    changed = parse_since(since)
    rows, next_cursor = await workshop_page(
        ctx.session, now=now, staff=False, cursor=cursor, limit=limit, changed_since=changed
    )
    sessions = await sessions_of(ctx.session, [r.id for r in rows])
    items = [workshop_out(r, sessions[r.id], ctx.locales) for r in rows]
    return DeltaPage(items=items, deleted=[], sync_token=token, next_cursor=next_cursor)


@get("/workshops/{workshop_id:uuid}", summary="One workshop with its sessions and seats left")
async def show_workshop(workshop_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[WorkshopOut]:
    """404 for an unpublished workshop, except for the city's editors: the ``Location`` of the
    workshop they just created points here, before they publish it."""
    editor = isinstance(ctx.user, StaffUser) and ctx.user.has_role(ctx.tenant.slug, "projektor", ROLE_EDITOR)
    row = await get_workshop(ctx.session, workshop_id, staff=editor)
    out = workshop_out(row, (await sessions_of(ctx.session, [row.id]))[row.id], ctx.locales)
    return Response(out, headers=None if row.published else {"Cache-Control": "private, no-store"})


@get("/sessions/{session_id:uuid}", summary="One workshop session: seats left, waiting-list length")
async def show_session(session_id: FromPath[uuid.UUID], ctx: Ctx) -> SessionOut:
    """404 for a session of an unpublished workshop."""
    row = await ctx.session.get(Session, session_id)
    if row is None:
        raise NotFound(detail="session not found")
    await get_workshop(ctx.session, row.workshop_id)
    siblings = (await sessions_of(ctx.session, [row.workshop_id]))[row.workshop_id]
    return next(s for s in siblings if s.id == row.id)


async def _seat(ctx: Ctx, session_id: uuid.UUID, data: SeatBookingIn, *, hold: bool) -> BookingOut:
    row = await ctx.session.get(Session, session_id)
    if row is None:
        raise NotFound(detail="session not found")
    if not hold:
        check_contact(await get_workshop(ctx.session, row.workshop_id), data.participant_name, data.participant_email)
    request = SeatRequest(
        hold=hold, wait=data.wait, participant_name=data.participant_name, participant_email=data.participant_email
    )
    booking = await book_seat(
        ctx.session,
        ctx.settings,
        ctx.push,
        session_id,
        request,
        device_id=device_of(ctx),
        now=utcnow(),
        tz=ctx.tenant.time_zone,
    )
    return booking_out(booking)


@post(
    "/sessions/{session_id:uuid}/holds",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Hold a seat for a few minutes while the resident fills in the form",
    opt=created_resource("/projektor/bookings/{id}"),
)
async def hold_seat(session_id: FromPath[uuid.UUID], data: JSONBody[SeatBookingIn], ctx: Ctx) -> BookingOut:
    """409 when full (or, with ``wait``, a waiting-list place)."""
    return await _seat(ctx, session_id, data, hold=True)


@post(
    "/sessions/{session_id:uuid}/bookings",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Book a seat; with wait=true a full session puts the caller on its waiting list",
    opt=created_resource("/projektor/bookings/{id}"),
)
async def book_session(session_id: FromPath[uuid.UUID], data: JSONBody[SeatBookingIn], ctx: Ctx) -> BookingOut:
    """Status ``confirmed``, ``pending`` (staff approve) or ``waiting`` with its position; 409 when full."""
    return await _seat(ctx, session_id, data, hold=False)


route_handlers = [list_workshops, show_workshop, show_session, hold_seat, book_session]
