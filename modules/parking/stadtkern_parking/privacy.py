"""What parking keeps about a device (favourites, alerts), for the resident's one export and delete."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import delete, select

from core.api import DeviceContext, DeviceData
from stadtkern_parking.models import Favourite, SpaceAlert
from stadtkern_parking.residents import AlertOut, FavouriteOut, alert_out


class ParkingExport(msgspec.Struct):
    """Everything parking holds about the device."""

    favourites: list[FavouriteOut]
    alerts: list[AlertOut]


async def export_device(ctx: DeviceContext[Any]) -> ParkingExport:
    """The device's favourites and alerts."""
    favourites = await ctx.session.scalars(
        select(Favourite).where(Favourite.device_id == ctx.device_id).order_by(Favourite.created_at)
    )
    alerts = await ctx.session.scalars(
        select(SpaceAlert).where(SpaceAlert.device_id == ctx.device_id).order_by(SpaceAlert.created_at)
    )
    return ParkingExport(
        favourites=[FavouriteOut(facility_id=f.facility_id, saved_at=f.created_at) for f in favourites],
        alerts=[alert_out(a) for a in alerts],
    )


async def delete_device(ctx: DeviceContext[Any]) -> None:
    """Explicitly, though the foreign keys cascade (SQLite may run without foreign_keys)."""
    await ctx.session.execute(delete(SpaceAlert).where(SpaceAlert.device_id == ctx.device_id))
    await ctx.session.execute(delete(Favourite).where(Favourite.device_id == ctx.device_id))


device_data = DeviceData(export=export_device, delete=delete_device)
