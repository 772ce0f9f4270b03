"""Device routes: favourites and "tell me when it is free" (a resident's own, guarded by the device credential)."""

from __future__ import annotations

import datetime as dt
import uuid

from litestar import delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import select

from core.api import DeviceUser, Invalid, NotFound, RequestContext, created_resource, require_device, utcnow
from stadtkern_charging.models import Favourite, Location, Watch
from stadtkern_charging.schemas.devices import FavouriteOut, WatchIn, WatchOut
from stadtkern_charging.settings import ChargingSettings

Ctx = RequestContext[ChargingSettings]
MAX_WATCHES = 10


def _device(ctx: Ctx) -> uuid.UUID:
    assert isinstance(ctx.user, DeviceUser)
    return ctx.user.device_id


def watch_out(row: Watch) -> WatchOut:
    """A watch as its device sees it."""
    return WatchOut(
        id=row.id,
        location_id=row.location_id,
        lat=row.lat,
        lon=row.lon,
        radius_m=row.radius_m,
        plugs=row.plugs,
        min_power_kw=None if row.min_power_w is None else row.min_power_w / 1000,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        state=row.state,
        pushes=row.pushes,
    )


async def _published(ctx: Ctx, location_id: uuid.UUID, field: str) -> None:
    found = await ctx.session.scalar(select(Location.id).where(Location.id == location_id, Location.publish.is_(True)))
    if found is None:
        raise (NotFound(detail="no such charging location") if field == "path" else Invalid(field, "no such location"))


@put(
    "/favourites/{location_id:uuid}",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Keep a location on the device's list",
)
async def add_favourite(ctx: Ctx, location_id: FromPath[uuid.UUID]) -> None:
    """Idempotent."""
    await _published(ctx, location_id, "path")
    device = _device(ctx)
    exists = await ctx.session.scalar(
        select(Favourite.id).where(Favourite.device_id == device, Favourite.location_id == location_id)
    )
    if exists is None:
        ctx.session.add(Favourite(device_id=device, location_id=location_id))


@delete(
    "/favourites/{location_id:uuid}",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Take a location off the device's list",
)
async def remove_favourite(ctx: Ctx, location_id: FromPath[uuid.UUID]) -> None:
    """Idempotent."""
    rows = await ctx.session.scalars(
        select(Favourite).where(Favourite.device_id == _device(ctx), Favourite.location_id == location_id)
    )
    for row in rows:
        await ctx.session.delete(row)


@get("/favourites", guards=[require_device], summary="The device's favourite locations")
async def list_favourites(ctx: Ctx) -> list[FavouriteOut]:
    """Oldest first."""
    rows = await ctx.session.scalars(
        select(Favourite).where(Favourite.device_id == _device(ctx)).order_by(Favourite.created_at)
    )
    return [FavouriteOut(location_id=r.location_id, saved_at=r.created_at) for r in rows]


@post(
    "/watches",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Tell me when it is free: one push when a matching charger frees up",
    opt=created_resource("/charging/watches/{id}"),
)
async def create_watch(ctx: Ctx, data: JSONBody[WatchIn]) -> WatchOut:
    """A location, or a point (lat, lon, radius_m) with optional plugs and minimum power; at most 10 open."""
    if data.location_id is None and (data.lat is None or data.lon is None):
        raise Invalid("body.location_id", "give a location_id, or lat and lon")
    if data.location_id is not None:
        await _published(ctx, data.location_id, "body.location_id")
    device = _device(ctx)
    open_ones = await ctx.session.scalars(
        select(Watch.id).where(Watch.device_id == device, Watch.state.in_(("waiting", "notified")))
    )
    if len(open_ones.all()) >= MAX_WATCHES:
        raise Invalid("body", f"at most {MAX_WATCHES} open watches per device")
    now = utcnow()
    row = Watch(
        device_id=device,
        location_id=data.location_id,
        lat=None if data.location_id else data.lat,
        lon=None if data.location_id else data.lon,
        radius_m=None if data.location_id else data.radius_m,
        plugs=list(data.plugs),
        min_power_w=None if data.min_power_kw is None else round(data.min_power_kw * 1000),
        starts_at=now,
        ends_at=now + dt.timedelta(minutes=data.minutes),
        state="waiting",
        pushes=0,
    )
    ctx.session.add(row)
    await ctx.session.flush()
    return watch_out(row)


@get("/watches", guards=[require_device], summary="The device's watches, newest first")
async def list_watches(ctx: Ctx) -> list[WatchOut]:
    """Including finished ones until the job clears them."""
    rows = await ctx.session.scalars(
        select(Watch).where(Watch.device_id == _device(ctx)).order_by(Watch.created_at.desc())
    )
    return [watch_out(r) for r in rows]


async def _own_watch(ctx: Ctx, watch_id: uuid.UUID) -> Watch:
    row = await ctx.session.get(Watch, watch_id)
    if row is None or row.device_id != _device(ctx):
        raise NotFound(detail="no such watch")
    return row


@get("/watches/{watch_id:uuid}", guards=[require_device], summary="One of the device's watches")
async def get_watch(ctx: Ctx, watch_id: FromPath[uuid.UUID]) -> WatchOut:
    """404 for another device's watch."""
    return watch_out(await _own_watch(ctx, watch_id))


@delete("/watches/{watch_id:uuid}", guards=[require_device], status_code=HTTP_204_NO_CONTENT, summary="Stop a watch")
async def delete_watch(ctx: Ctx, watch_id: FromPath[uuid.UUID]) -> None:
    """404 for another device's watch."""
    await ctx.session.delete(await _own_watch(ctx, watch_id))


route_handlers = [
    add_favourite,
    remove_favourite,
    list_favourites,
    create_watch,
    list_watches,
    get_watch,
    delete_watch,
]
