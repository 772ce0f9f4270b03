"""A device's data in this module: find it, export it, delete it — for the module's own ``/me``
routes and the core's one export and delete (``ModuleSpec.device_data``).

Survey answers stay: they are anonymous and nothing links them to the device (which is also why
they cannot be exported for it). The markers stay too, until their survey closes: a marker is
what refuses the device's second answer, and it says only "this device answered survey S" —
nobody without the deployment secret can even compute it, and it names no answer (README,
"Anonymity of survey answers").
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import DeviceContext, DeviceData, ModuleKeys
from stadtkern_participation.models import Marker, PoolMember, ResultSubscription, Survey
from stadtkern_participation.schemas.pool import member_out
from stadtkern_participation.schemas.privacy import DeviceExport
from stadtkern_participation.services.pool import drop_pending
from stadtkern_participation.tokens import marker_for


async def device_markers(session: AsyncSession, keys: ModuleKeys, device_id: uuid.UUID) -> list[Marker]:
    """The markers of the city's surveys this device answered (found by recomputing them)."""
    surveys = list(await session.scalars(select(Survey.id)))
    if not surveys:
        return []
    wanted = {marker_for(keys, sid, device_id) for sid in surveys}
    stmt = select(Marker).where(Marker.survey_id.in_(surveys), Marker.marker.in_(wanted))
    return list(await session.scalars(stmt))


async def device_subscriptions(session: AsyncSession, device_id: uuid.UUID) -> list[ResultSubscription]:
    """The device's opt-ins to a push when a survey of the city publishes its results."""
    stmt = (
        select(ResultSubscription)
        .join(Survey, Survey.id == ResultSubscription.survey_id)
        .where(ResultSubscription.device_id == device_id)
    )
    return list(await session.scalars(stmt))


async def device_members(session: AsyncSession, device_id: uuid.UUID) -> list[PoolMember]:
    """Pool records linked to the device."""
    stmt = select(PoolMember).where(PoolMember.device_id == device_id)
    return list(await session.scalars(stmt))


async def device_export(session: AsyncSession, keys: ModuleKeys, device_id: uuid.UUID) -> DeviceExport:
    """Answered surveys (by their marker), result opt-ins and linked pool records."""
    return DeviceExport(
        answered_surveys=sorted(m.survey_id for m in await device_markers(session, keys, device_id)),
        result_notifications=sorted(s.survey_id for s in await device_subscriptions(session, device_id)),
        pool_registrations=[member_out(m) for m in await device_members(session, device_id)],
    )


async def forget_device(session: AsyncSession, device_id: uuid.UUID) -> None:
    """Delete the device's result opt-ins, pool records and requested links; its markers stay (module docstring)."""
    subscriptions = await device_subscriptions(session, device_id)
    members = await device_members(session, device_id)
    for row in [*subscriptions, *members]:
        await session.delete(row)
    # A link this device asked for on someone's record (not exported: the record is not the device's).
    for member in await session.scalars(select(PoolMember).where(PoolMember.pending_device_id == device_id)):
        drop_pending(member)
    await session.flush()


async def _export_hook(ctx: DeviceContext[Any]) -> DeviceExport:
    return await device_export(ctx.session, ctx.keys, ctx.device_id)


async def _delete_hook(ctx: DeviceContext[Any]) -> None:
    await forget_device(ctx.session, ctx.device_id)


# The core's GET /devices/me/export and DELETE /devices/me reach participation through these.
device_data = DeviceData(export=_export_hook, delete=_delete_hook)
