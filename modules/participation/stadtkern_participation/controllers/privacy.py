"""A device's data in this module: export it, delete it. Survey answers stay: they are anonymous
and nothing links them to the device (which is also why they cannot be exported for it)."""

from __future__ import annotations

from typing import Any

from litestar import Response, delete, get
from litestar.status_codes import HTTP_204_NO_CONTENT

from core.api import DeviceUser, ModuleContext, RequestContext, require_device
from stadtkern_participation.schemas.pool import member_out
from stadtkern_participation.schemas.privacy import DeviceExport
from stadtkern_participation.services.privacy import device_markers, device_members, device_subscriptions, forget_device
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


def _device(ctx: ModuleContext[Any]) -> DeviceUser:
    user = ctx.user
    assert isinstance(user, DeviceUser)
    return user


@get("/me", guards=[require_device], summary="Everything participation holds about this device")
async def export_device(ctx: Ctx) -> DeviceExport:
    """Answered surveys (by their marker), result opt-ins and linked pool records."""
    device = _device(ctx)
    return DeviceExport(
        answered_surveys=sorted(m.survey_id for m in await device_markers(ctx.session, ctx.keys, device.device_id)),
        result_notifications=sorted(s.survey_id for s in await device_subscriptions(ctx.session, device.device_id)),
        pool_registrations=[member_out(m) for m in await device_members(ctx.session, device.device_id)],
    )


@delete(
    "/me",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete everything participation holds about this device (pool registration included)",
)
async def delete_device_data(ctx: Ctx) -> Response[None]:
    """The device's markers, result opt-ins and pool records."""
    await forget_device(ctx.session, ctx.keys, _device(ctx).device_id)
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [export_device, delete_device_data]
