"""Staff routes: facilities without a feed, counts by hand, "closed today", the import reports.

Facilities a feed imports belong to the feed (its next pull would undo an edit): staff edit and
delete only their own, but may close any facility and read what every import repaired.
"""

from __future__ import annotations

import datetime as dt
import uuid

from litestar import delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import select

from core.api import (
    Conflict,
    Invalid,
    ModuleContext,
    NotFound,
    RequestContext,
    check_texts,
    created_resource,
    record_deletion,
    require_editor,
    utcnow,
)
from stadtkern_parking.alerts import notify_closure, store_and_notify
from stadtkern_parking.models import RESOURCE, STAFF_SOURCE, Facility, ImportRun
from stadtkern_parking.queries import last_day, states_of
from stadtkern_parking.records import Report, StatusRecord
from stadtkern_parking.schemas import ClosureIn, FacilityIn, FacilityOut, SourceOut, StaffStateOut, StateIn
from stadtkern_parking.serializers import detail, run_out, staff_state
from stadtkern_parking.settings import ParkingSettings

Ctx = RequestContext[ParkingSettings]


async def _get(ctx: ModuleContext[ParkingSettings], facility_id: uuid.UUID, *, own: bool = False) -> Facility:
    facility = await ctx.session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(detail="facility not found")
    if own and facility.source != STAFF_SOURCE:
        raise Conflict(detail=f"imported from source '{facility.source}': change it there")
    return facility


def _apply(ctx: ModuleContext[ParkingSettings], facility: Facility, data: FacilityIn) -> None:
    check_texts(ctx.tenant, **{"body.fees": data.fees, "body.description": data.description})
    for name in FacilityIn.__struct_fields__:
        setattr(facility, name, getattr(data, name))


async def _out(ctx: ModuleContext[ParkingSettings], facility: Facility) -> FacilityOut:
    await ctx.session.flush()
    await ctx.session.refresh(facility)
    now = utcnow()
    states = await states_of(ctx.session, [facility.id])
    history = await last_day(ctx.session, facility.id, now)
    return detail(facility, states.get(facility.id), history, ctx.locales, now, ctx.settings.stale_after_seconds)


@post(
    "/facilities",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Add a facility (editors)",
    opt=created_resource("/parking/facilities/{id}"),
)
async def create_facility(data: JSONBody[FacilityIn], ctx: Ctx) -> FacilityOut:
    """A facility without a feed: its numbers are counted by hand (``PUT …/state``) or absent."""
    facility = Facility(source=STAFF_SOURCE, source_id=uuid.uuid4().hex, warnings=[])
    _apply(ctx, facility, data)
    ctx.session.add(facility)
    return await _out(ctx, facility)


@put("/facilities/{facility_id:uuid}", guards=[require_editor], summary="Replace a staff facility (editors)")
async def update_facility(facility_id: FromPath[uuid.UUID], data: JSONBody[FacilityIn], ctx: Ctx) -> FacilityOut:
    """409 for a facility a feed imports."""
    facility = await _get(ctx, facility_id, own=True)
    _apply(ctx, facility, data)
    return await _out(ctx, facility)


@delete(
    "/facilities/{facility_id:uuid}",
    guards=[require_editor],
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove a staff facility (editors)",
)
async def delete_facility(facility_id: FromPath[uuid.UUID], ctx: Ctx) -> None:
    """The map's delta reports it as deleted."""
    facility = await _get(ctx, facility_id, own=True)
    await ctx.session.delete(facility)
    await record_deletion(ctx.session, RESOURCE, facility.id)


@put("/facilities/{facility_id:uuid}/state", guards=[require_editor], summary="Set counted free spaces (editors)")
async def set_state(facility_id: FromPath[uuid.UUID], data: JSONBody[StateIn], ctx: Ctx) -> StaffStateOut:
    """Goes through the same clamp-and-flag as a feed: 0 ≤ free ≤ capacity, the raw count kept."""
    facility = await _get(ctx, facility_id, own=True)
    now = utcnow()
    report = Report()
    record = StatusRecord(source_id=facility.source_id, observed_at=now, free=data.free, status=data.status)
    if not await store_and_notify(ctx.session, ctx.push, ctx.tenant.time_zone, STAFF_SOURCE, [record], report, now):
        raise Invalid("body.free", report.issues[0]["message"] if report.issues else "not stored")
    states = await states_of(ctx.session, [facility.id])
    return staff_state(facility, states.get(facility.id), now, ctx.settings.stale_after_seconds)


def _until(ctx: ModuleContext[ParkingSettings], data: ClosureIn, now: dt.datetime) -> dt.datetime:
    tz = ctx.tenant.time_zone
    if data.until is None:
        tomorrow = now.astimezone(tz).date() + dt.timedelta(days=1)
        return dt.datetime.combine(tomorrow, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    try:
        until = dt.datetime.fromisoformat(data.until)
    except ValueError:
        raise Invalid("body.until", "an ISO 8601 date-time") from None
    until = (until if until.tzinfo else until.replace(tzinfo=tz)).astimezone(dt.UTC)
    if not now < until <= now + dt.timedelta(days=366):
        raise Invalid("body.until", "in the future, within a year")
    return until


@put("/facilities/{facility_id:uuid}/closure", guards=[require_editor], summary='"Closed today" (editors)')
async def close_facility(facility_id: FromPath[uuid.UUID], data: JSONBody[ClosureIn], ctx: Ctx) -> FacilityOut:
    """Closed until ``until`` (default: the end of today), whatever the feed reports meanwhile."""
    facility = await _get(ctx, facility_id)
    check_texts(ctx.tenant, **{"body.note": data.note})
    now = utcnow()
    was_closed = facility.closed_until is not None and facility.closed_until > now
    facility.closed_until = _until(ctx, data, now)
    facility.closed_note = dict(data.note) if data.note else None
    if not was_closed:  # staff closing a facility is unexpected by definition: tell its favourites
        await notify_closure(ctx.session, ctx.push, facility)
    return await _out(ctx, facility)


@delete(
    "/facilities/{facility_id:uuid}/closure",
    guards=[require_editor],
    status_code=HTTP_204_NO_CONTENT,
    summary="Lift a closure (editors)",
)
async def reopen_facility(facility_id: FromPath[uuid.UUID], ctx: Ctx) -> None:
    """The feed's status applies again."""
    facility = await _get(ctx, facility_id)
    facility.closed_until = None
    facility.closed_note = None


@get("/facilities/{facility_id:uuid}/raw", guards=[require_editor], summary="The raw state and repairs (editors)")
async def raw_state(facility_id: FromPath[uuid.UUID], ctx: Ctx) -> StaffStateOut:
    """What the feed really sent, and what was clamped or filled in."""
    facility = await _get(ctx, facility_id)
    states = await states_of(ctx.session, [facility.id])
    return staff_state(facility, states.get(facility.id), utcnow(), ctx.settings.stale_after_seconds)


@get("/sources", guards=[require_editor], summary="The city's sources and their latest import reports (editors)")
async def list_sources(ctx: Ctx) -> list[SourceOut]:
    """Per source the latest static and realtime pull: accepted, repaired, rejected, and why."""
    out = []
    for source in ctx.settings.sources:
        runs = []
        for part in ("static", "realtime"):
            run = await ctx.session.scalar(
                select(ImportRun)
                .where(ImportRun.source == source.id, ImportRun.part == part)
                .order_by(ImportRun.started_at.desc())
                .limit(1)
            )
            if run is not None:
                runs.append(run_out(run))
        out.append(SourceOut(id=source.id, type=source.type, runs=runs))
    return out


route_handlers = [
    create_facility,
    update_facility,
    delete_facility,
    set_state,
    close_facility,
    reopen_facility,
    raw_state,
    list_sources,
]
