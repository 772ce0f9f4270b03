"""A device's data in this module: export it, delete it (the same as the core's
``/devices/me/export`` and ``DELETE /devices/me`` do for participation). Survey answers stay: they are
anonymous and nothing links them to the device; the markers stay until their survey closes."""

from __future__ import annotations

from typing import Any

from litestar import Response, delete, get
from litestar.status_codes import HTTP_204_NO_CONTENT

from core.api import DeviceUser, ModuleContext, RequestContext, require_device
from stadtkern_participation.schemas.privacy import DeviceExport
from stadtkern_participation.services.privacy import device_export, forget_device
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


def _device(ctx: ModuleContext[Any]) -> DeviceUser:
    user = ctx.user
    assert isinstance(user, DeviceUser)
    return user


@get("/me", guards=[require_device], summary="Everything participation holds about this device")
async def export_device(ctx: Ctx) -> DeviceExport:
    """Answered surveys (by their marker), result opt-ins and linked pool records."""
    return await device_export(ctx.session, ctx.keys, _device(ctx).device_id)


@delete(
    "/me",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete everything participation holds about this device (pool registration included)",
)
async def delete_device_data(ctx: Ctx) -> Response[None]:
    """The device's result opt-ins and pool records; the markers stay until their survey closes."""
    await forget_device(ctx.session, _device(ctx).device_id)
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [export_device, delete_device_data]
