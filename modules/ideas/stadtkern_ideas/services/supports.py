"""Supports: one per device and idea (the database's unique marker), counted on the idea.

Nothing in a support row names the device in the clear: ``marker`` is a keyed hash, ``sealed`` a
ciphertext with a random nonce; both need the deployment secret. The two uses of the seal are the
city's own: counting a device once when staff merge duplicates, and telling supporters about a
status change (the push still goes only to devices that opted in to the topic).
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import ModuleKeys, insert_for, utcnow
from stadtkern_ideas.models import Idea, Support
from stadtkern_ideas.tokens import marker_for, seal, unseal


async def _count(session: AsyncSession, idea_id: uuid.UUID, change: int) -> None:
    # In SQL, not in Python: two supports at once must both count.
    stmt = update(Idea).where(Idea.id == idea_id).values(supporters=Idea.supporters + change, updated_at=utcnow())
    await session.execute(stmt.execution_options(synchronize_session=False))


async def add_support(session: AsyncSession, keys: ModuleKeys, idea_id: uuid.UUID, device_id: uuid.UUID) -> bool:
    """The device's support, unless it has one already (False). One round trip decides, also under races."""
    stmt = (
        insert_for(session, Support)
        .values(
            id=uuid.uuid4(),
            idea_id=idea_id,
            marker=marker_for(keys, idea_id, device_id),
            sealed=seal(keys, idea_id, device_id),
        )
        .on_conflict_do_nothing(index_elements=[Support.idea_id, Support.marker])
        .returning(Support.id)
    )
    if (await session.execute(stmt)).first() is None:
        return False
    await _count(session, idea_id, 1)
    return True


async def remove_support(session: AsyncSession, keys: ModuleKeys, idea_id: uuid.UUID, device_id: uuid.UUID) -> bool:
    """Withdraw the device's support; False if it had none."""
    stmt = (
        delete(Support)
        .where(Support.idea_id == idea_id, Support.marker == marker_for(keys, idea_id, device_id))
        .returning(Support.id)
    )
    if (await session.execute(stmt)).first() is None:
        return False
    await _count(session, idea_id, -1)
    return True


async def supports(session: AsyncSession, keys: ModuleKeys, idea_id: uuid.UUID, device_id: uuid.UUID) -> bool:
    """Whether the device supports the idea."""
    stmt = select(Support.id).where(Support.idea_id == idea_id, Support.marker == marker_for(keys, idea_id, device_id))
    return (await session.scalar(stmt)) is not None


async def supporters_of(session: AsyncSession, keys: ModuleKeys, idea_id: uuid.UUID) -> list[uuid.UUID]:
    """The devices supporting the idea, sorted (the order of the rows could be the order of support)."""
    sealed = await session.scalars(select(Support.sealed).where(Support.idea_id == idea_id))
    devices = {unseal(keys, idea_id, s) for s in sealed}
    return sorted(d for d in devices if d is not None)


async def carry_over(session: AsyncSession, keys: ModuleKeys, source: uuid.UUID, target: uuid.UUID) -> int:
    """Move the supports of ``source`` to ``target``, each device once; returns the target's new count."""
    for device in await supporters_of(session, keys, source):
        await add_support(session, keys, target, device)
    await session.execute(delete(Support).where(Support.idea_id == source))
    count = await session.scalar(select(func.count()).select_from(Support).where(Support.idea_id == target))
    # add_support counted each move; set both counts to what the rows say.
    for idea_id, value in ((source, 0), (target, int(count or 0))):
        stmt = update(Idea).where(Idea.id == idea_id).values(supporters=value, updated_at=utcnow())
        await session.execute(stmt.execution_options(synchronize_session=False))
    return int(count or 0)


async def device_supports(session: AsyncSession, keys: ModuleKeys, device_id: uuid.UUID) -> list[Support]:
    """The device's supports in this city, found by recomputing the marker for each of its ideas."""
    ideas = list(await session.scalars(select(Idea.id)))
    if not ideas:
        return []
    wanted = {marker_for(keys, i, device_id) for i in ideas}
    # joined to the city's ideas: the session's tenancy filter applies to Idea
    stmt = select(Support).join(Idea, Idea.id == Support.idea_id).where(Support.marker.in_(wanted))
    return list(await session.scalars(stmt))
