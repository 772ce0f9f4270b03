"""A device's data in the Ideenpool, for the core's one export and delete (``ModuleSpec.device_data``).

Delete removes the device's ideas (public ones leave the pool with a tombstone; their supports,
history and threads go with them), withdraws its supports (the counts of other ideas drop by one)
and deletes its pseudonyms, comments and reports.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import DeviceContext, DeviceData, ModuleKeys
from stadtkern_ideas.models import Idea
from stadtkern_ideas.schemas.ideas import my_idea
from stadtkern_ideas.schemas.privacy import IdeasDeviceExport
from stadtkern_ideas.services.dialogue_privacy import device_comments, device_reports, forget_dialogue
from stadtkern_ideas.services.photos import photos_of
from stadtkern_ideas.services.removal import delete_idea
from stadtkern_ideas.services.supports import device_supports, remove_support
from stadtkern_ideas.storage import PhotoStore, store_for


async def _own_ideas(session: AsyncSession, device_id: uuid.UUID) -> list[Idea]:
    return list(await session.scalars(select(Idea).where(Idea.device_id == device_id).order_by(Idea.id)))


async def device_export(
    session: AsyncSession, keys: ModuleKeys, device_id: uuid.UUID, locales: list[str]
) -> IdeasDeviceExport:
    """Everything the device wrote here."""
    ideas = await _own_ideas(session, device_id)
    photos = await photos_of(session, [r.id for r in ideas])
    return IdeasDeviceExport(
        ideas=[my_idea(r, locales, photos[r.id]) for r in ideas],
        supported_ideas=sorted(s.idea_id for s in await device_supports(session, keys, device_id)),
        comments=await device_comments(session, device_id),
        reports=await device_reports(session, device_id),
    )


async def forget_device(session: AsyncSession, keys: ModuleKeys, store: PhotoStore, device_id: uuid.UUID) -> None:
    """Withdraw the device's supports, delete its part of the dialogue and its ideas."""
    await forget_dialogue(session, device_id)
    for support in await device_supports(session, keys, device_id):
        await remove_support(session, keys, support.idea_id, device_id)
    ideas = await _own_ideas(session, device_id)
    for row in ideas:
        await delete_idea(session, store, row)
    await session.flush()


async def _export_hook(ctx: DeviceContext[Any]) -> IdeasDeviceExport:
    return await device_export(ctx.session, ctx.keys, ctx.device_id, list(ctx.tenant.locales))


async def _delete_hook(ctx: DeviceContext[Any]) -> None:
    await forget_device(ctx.session, ctx.keys, store_for(ctx.settings), ctx.device_id)


# The core's GET /devices/me/export and DELETE /devices/me reach the Ideenpool through these.
device_data = DeviceData(export=_export_hook, delete=_delete_hook)
