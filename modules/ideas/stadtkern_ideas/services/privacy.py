"""A device's data in the Ideenpool, for the core's one export and delete (``ModuleSpec.device_data``).

Delete removes the device's ideas (public ones leave the pool with a tombstone; their supports and
history go with them) and withdraws its supports, so the counts of other ideas drop by one.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import DeviceContext, DeviceData, ModuleKeys, record_deletion
from stadtkern_ideas.models import RESOURCE_IDEA, Idea, StatusChange, Support
from stadtkern_ideas.schemas.ideas import my_idea
from stadtkern_ideas.schemas.privacy import IdeasDeviceExport
from stadtkern_ideas.services.supports import device_supports, remove_support


async def _own_ideas(session: AsyncSession, device_id: uuid.UUID) -> list[Idea]:
    return list(await session.scalars(select(Idea).where(Idea.device_id == device_id).order_by(Idea.id)))


async def device_export(
    session: AsyncSession, keys: ModuleKeys, device_id: uuid.UUID, locales: list[str]
) -> IdeasDeviceExport:
    """Everything the device wrote here."""
    return IdeasDeviceExport(
        ideas=[my_idea(r, locales) for r in await _own_ideas(session, device_id)],
        supported_ideas=sorted(s.idea_id for s in await device_supports(session, keys, device_id)),
    )


async def forget_device(session: AsyncSession, keys: ModuleKeys, device_id: uuid.UUID) -> None:
    """Withdraw the device's supports and delete its ideas."""
    for support in await device_supports(session, keys, device_id):
        await remove_support(session, keys, support.idea_id, device_id)
    for row in await _own_ideas(session, device_id):
        await _delete_idea(session, keys, row)
    await session.flush()


async def _delete_idea(session: AsyncSession, keys: ModuleKeys, row: Idea) -> None:
    if row.moderation == "accepted":
        await record_deletion(session, RESOURCE_IDEA, str(row.id))
    # Delete explicitly what a foreign key would cascade (SQLite may run without foreign keys).
    for step in await session.scalars(select(StatusChange).where(StatusChange.idea_id == row.id)):
        await session.delete(step)
    for support in await session.scalars(select(Support).where(Support.idea_id == row.id)):
        await session.delete(support)
    for duplicate in await session.scalars(select(Idea).where(Idea.merged_into_id == row.id)):
        duplicate.merged_into_id = None
    await session.delete(row)


async def _export_hook(ctx: DeviceContext[Any]) -> IdeasDeviceExport:
    return await device_export(ctx.session, ctx.keys, ctx.device_id, list(ctx.tenant.locales))


async def _delete_hook(ctx: DeviceContext[Any]) -> None:
    await forget_device(ctx.session, ctx.keys, ctx.device_id)


# The core's GET /devices/me/export and DELETE /devices/me reach the Ideenpool through these.
device_data = DeviceData(export=_export_hook, delete=_delete_hook)
