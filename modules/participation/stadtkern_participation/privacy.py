"""A device's data in this module: export it, delete it. Survey answers stay: they are anonymous
and nothing links them to the device (which is also why they cannot be exported for it)."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Response, delete, get
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy import select

from core.api import DeviceUser, ModuleContext, require_device
from stadtkern_participation.common import marker_for
from stadtkern_participation.models import Marker, PoolMember, ResultSubscription, Survey
from stadtkern_participation.offers import Ctx
from stadtkern_participation.pool import MemberOut, member_out
from stadtkern_participation.settings import ParticipationSettings


class DeviceExport(msgspec.Struct):
    # Surveys this device answered (known only by recomputing the keyed marker; answers are anonymous).
    answered_surveys: list[uuid.UUID]
    result_notifications: list[uuid.UUID]
    pool_registrations: list[MemberOut]


def _device(ctx: ModuleContext[ParticipationSettings]) -> DeviceUser:
    user = ctx.user
    assert isinstance(user, DeviceUser)
    return user


async def _markers(ctx: ModuleContext[ParticipationSettings], device: DeviceUser) -> list[Marker]:
    surveys = list(await ctx.session.scalars(select(Survey.id)))
    if not surveys:
        return []
    wanted = {marker_for(ctx.keys, sid, device.device_id) for sid in surveys}
    stmt = select(Marker).where(Marker.survey_id.in_(surveys), Marker.marker.in_(wanted))
    return list(await ctx.session.scalars(stmt))


async def _subscriptions(ctx: ModuleContext[ParticipationSettings], device: DeviceUser) -> list[ResultSubscription]:
    stmt = (
        select(ResultSubscription)
        .join(Survey, Survey.id == ResultSubscription.survey_id)
        .where(ResultSubscription.device_id == device.device_id)
    )
    return list(await ctx.session.scalars(stmt))


async def _members(ctx: ModuleContext[ParticipationSettings], device: DeviceUser) -> list[PoolMember]:
    stmt = select(PoolMember).where(PoolMember.device_id == device.device_id)
    return list(await ctx.session.scalars(stmt))


@get("/me", guards=[require_device], summary="Everything participation holds about this device")
async def export_device(ctx: Ctx) -> DeviceExport:
    device = _device(ctx)
    return DeviceExport(
        answered_surveys=sorted(m.survey_id for m in await _markers(ctx, device)),
        result_notifications=sorted(s.survey_id for s in await _subscriptions(ctx, device)),
        pool_registrations=[member_out(m) for m in await _members(ctx, device)],
    )


@delete(
    "/me",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete everything participation holds about this device (pool registration included)",
)
async def delete_device_data(ctx: Ctx) -> Response[None]:
    device = _device(ctx)
    for row in [*await _markers(ctx, device), *await _subscriptions(ctx, device), *await _members(ctx, device)]:
        await ctx.session.delete(row)
    await ctx.session.flush()
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [export_device, delete_device_data]
