"""What charging keeps about a device (favourites, watches), for the resident's one export and delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from core.api import DeviceContext, DeviceData
from stadtkern_charging.controllers.devices import watch_out
from stadtkern_charging.models import Favourite, Watch
from stadtkern_charging.schemas.devices import ChargingExport, FavouriteOut


async def export_device(ctx: DeviceContext[Any]) -> ChargingExport:
    """The device's favourites and watches (a watch's point is the device's own)."""
    favourites = await ctx.session.scalars(select(Favourite).where(Favourite.device_id == ctx.device_id))
    watches = await ctx.session.scalars(select(Watch).where(Watch.device_id == ctx.device_id))
    return ChargingExport(
        favourites=[FavouriteOut(location_id=f.location_id, saved_at=f.created_at) for f in favourites],
        watches=[watch_out(w) for w in watches],
    )


async def delete_device(ctx: DeviceContext[Any]) -> None:
    """Removed explicitly (the foreign keys cascade too, but not on a SQLite without foreign_keys)."""
    await ctx.session.execute(delete(Watch).where(Watch.device_id == ctx.device_id))
    await ctx.session.execute(delete(Favourite).where(Favourite.device_id == ctx.device_id))


device_data = DeviceData(export=export_device, delete=delete_device)
