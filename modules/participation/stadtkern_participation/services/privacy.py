"""A device's data in this module: find it, delete it. Survey answers stay: they are anonymous
and nothing links them to the device (which is also why they cannot be exported for it)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import ModuleKeys
from stadtkern_participation.models import Marker, PoolMember, ResultSubscription, Survey
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


async def forget_device(session: AsyncSession, keys: ModuleKeys, device_id: uuid.UUID) -> None:
    """Delete the device's markers, result opt-ins and pool records."""
    markers = await device_markers(session, keys, device_id)
    subscriptions = await device_subscriptions(session, device_id)
    members = await device_members(session, device_id)
    for row in [*markers, *subscriptions, *members]:
        await session.delete(row)
    await session.flush()
