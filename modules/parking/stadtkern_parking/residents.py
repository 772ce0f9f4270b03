"""A device's own parking: favourites and "tell me when there is space" alerts (device credential)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar import delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select

from core.api import (
    Conflict,
    DeviceUser,
    Invalid,
    ModuleContext,
    NotFound,
    RequestContext,
    created_resource,
    require_device,
)
from stadtkern_parking.models import Facility, FacilityState, Favourite, SpaceAlert
from stadtkern_parking.settings import ParkingSettings

Ctx = RequestContext[ParkingSettings]
MAX_ALERTS = 20
MAX_FAVOURITES = 100
Clock = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", max_length=5)]


class NearIn(msgspec.Struct, forbid_unknown_fields=True):
    """Any P+R site within ``radius_m`` of a point."""

    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    radius_m: Annotated[int, msgspec.Meta(ge=100, le=20_000)] = 2000


class AlertIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A facility, or a P+R area; at least ``threshold`` free spaces; on these weekdays, between these times."""

    facility_id: uuid.UUID | None = None
    near: NearIn | None = None
    threshold: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    # ISO weekdays, 1 Monday … 7 Sunday.
    weekdays: Annotated[list[Annotated[int, msgspec.Meta(ge=1, le=7)]], msgspec.Meta(min_length=1, max_length=7)] = (
        msgspec.field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    )
    start: Clock = "00:00"
    end: Clock = "24:00"


class AlertOut(msgspec.Struct, kw_only=True):
    """An alert as its device sees it."""

    id: uuid.UUID
    facility_id: uuid.UUID | None
    near: NearIn | None
    threshold: int
    weekdays: list[int]
    start: str
    end: str
    armed: bool
    last_sent_at: dt.datetime | None


class FavouriteOut(msgspec.Struct, kw_only=True):
    """A saved facility."""

    facility_id: uuid.UUID
    saved_at: dt.datetime


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def alert_out(alert: SpaceAlert) -> AlertOut:
    """The wire form of an alert."""
    near = None
    if alert.lat is not None and alert.lon is not None and alert.radius_m is not None:
        near = NearIn(lat=alert.lat, lon=alert.lon, radius_m=alert.radius_m)
    return AlertOut(
        id=alert.id,
        facility_id=alert.facility_id,
        near=near,
        threshold=alert.threshold,
        weekdays=[int(d) for d in alert.weekdays],
        start=_clock(alert.start_minute),
        end=_clock(alert.end_minute),
        armed=alert.armed,
        last_sent_at=alert.last_sent_at,
    )


def _device(ctx: ModuleContext[ParkingSettings]) -> uuid.UUID:
    user = ctx.user
    assert isinstance(user, DeviceUser)  # require_device guarantees it
    return user.device_id


async def _facility(ctx: ModuleContext[ParkingSettings], facility_id: uuid.UUID, field: str) -> Facility:
    facility = await ctx.session.get(Facility, facility_id)
    if facility is None:
        if field.startswith("path"):
            raise NotFound(detail="facility not found")
        raise Invalid(field, "no such facility in this city")
    return facility


@put(
    "/favourites/{facility_id:uuid}",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Save a favourite",
)
async def save_favourite(facility_id: FromPath[uuid.UUID], ctx: Ctx) -> None:
    """Idempotent; an unexpected closure of the facility is then pushed to this device."""
    await _facility(ctx, facility_id, "path.facility_id")
    device = _device(ctx)
    exists = await ctx.session.scalar(
        select(Favourite.id).where(Favourite.device_id == device, Favourite.facility_id == facility_id)
    )
    if exists is None:
        count = await ctx.session.scalar(select(func.count()).where(Favourite.device_id == device)) or 0
        if count >= MAX_FAVOURITES:
            raise Conflict(detail=f"at most {MAX_FAVOURITES} favourites")
        ctx.session.add(Favourite(device_id=device, facility_id=facility_id))


@delete(
    "/favourites/{facility_id:uuid}",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Forget a favourite",
)
async def forget_favourite(facility_id: FromPath[uuid.UUID], ctx: Ctx) -> None:
    """Idempotent."""
    await ctx.session.execute(
        sql_delete(Favourite).where(Favourite.device_id == _device(ctx), Favourite.facility_id == facility_id)
    )


@get("/favourites", guards=[require_device], summary="This device's favourites")
async def list_favourites(ctx: Ctx) -> list[FavouriteOut]:
    """Oldest first."""
    rows = await ctx.session.scalars(
        select(Favourite).where(Favourite.device_id == _device(ctx)).order_by(Favourite.created_at)
    )
    return [FavouriteOut(facility_id=f.facility_id, saved_at=f.created_at) for f in rows]


@post(
    "/alerts",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary='"Tell me when there is space"',
    opt=created_resource("/parking/alerts/{id}"),
)
async def create_alert(data: JSONBody[AlertIn], ctx: Ctx) -> AlertOut:
    """One push when free spaces reach ``threshold`` in the window; armed again once they fell well below."""
    if (data.facility_id is None) == (data.near is None):
        raise Invalid("body.facility_id", "give either facility_id or near")
    start, end = _minutes(data.start), _minutes(data.end)
    if start >= end:
        raise Invalid("body.end", "after start")
    device = _device(ctx)
    count = await ctx.session.scalar(select(func.count()).where(SpaceAlert.device_id == device)) or 0
    if count >= MAX_ALERTS:
        raise Conflict(detail=f"at most {MAX_ALERTS} alerts")
    alert = SpaceAlert(
        device_id=device,
        threshold=data.threshold,
        weekdays="".join(str(d) for d in sorted(set(data.weekdays))),
        start_minute=start,
        end_minute=end,
        armed=True,
    )
    if data.facility_id is not None:
        await _facility(ctx, data.facility_id, "body.facility_id")
        alert.facility_id = data.facility_id
        state = await ctx.session.get(FacilityState, data.facility_id)
        # "when there is space": already enough free now is not a crossing; wait for it to fall first
        alert.armed = state is None or state.free is None or state.free < data.threshold
    elif data.near is not None:
        alert.lat, alert.lon, alert.radius_m = data.near.lat, data.near.lon, data.near.radius_m
    ctx.session.add(alert)
    await ctx.session.flush()
    await ctx.session.refresh(alert)
    return alert_out(alert)


@get("/alerts", guards=[require_device], summary="This device's alerts")
async def list_alerts(ctx: Ctx) -> list[AlertOut]:
    """Oldest first."""
    rows = await ctx.session.scalars(
        select(SpaceAlert).where(SpaceAlert.device_id == _device(ctx)).order_by(SpaceAlert.created_at)
    )
    return [alert_out(a) for a in rows]


async def _own_alert(ctx: ModuleContext[ParkingSettings], alert_id: uuid.UUID) -> SpaceAlert:
    alert = await ctx.session.get(SpaceAlert, alert_id)
    if alert is None or alert.device_id != _device(ctx):
        raise NotFound(detail="alert not found")
    return alert


@get("/alerts/{alert_id:uuid}", guards=[require_device], summary="One of this device's alerts")
async def show_alert(alert_id: FromPath[uuid.UUID], ctx: Ctx) -> AlertOut:
    """Another device's alert is not found."""
    return alert_out(await _own_alert(ctx, alert_id))


@delete("/alerts/{alert_id:uuid}", guards=[require_device], status_code=HTTP_204_NO_CONTENT, summary="Delete an alert")
async def delete_alert(alert_id: FromPath[uuid.UUID], ctx: Ctx) -> None:
    """Another device's alert is not found."""
    await ctx.session.delete(await _own_alert(ctx, alert_id))


route_handlers = [
    save_favourite,
    forget_favourite,
    list_favourites,
    create_alert,
    list_alerts,
    show_alert,
    delete_alert,
]
