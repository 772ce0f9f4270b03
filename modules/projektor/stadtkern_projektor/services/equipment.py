"""Equipment units: picking free pieces for a span. Two requests picking the same piece at once
are told apart by the database's overlap rule (the loser's flush is a 409)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, utcnow
from stadtkern_projektor.models import EquipmentUnit, EquipmentUse


async def reserve(
    session: AsyncSession,
    equipment_id: uuid.UUID,
    count: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    booking_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
) -> None:
    """Use ``count`` free pieces of the equipment over [starts_at, ends_at) for a booking or a session."""
    busy = select(EquipmentUse.unit_id).where(
        EquipmentUse.active.is_(True), EquipmentUse.starts_at < ends_at, EquipmentUse.ends_at > starts_at
    )
    free = list(
        await session.scalars(
            select(EquipmentUnit.id)
            .where(EquipmentUnit.equipment_id == equipment_id, EquipmentUnit.id.not_in(busy))
            .order_by(EquipmentUnit.number)
            .limit(count)
        )
    )
    if len(free) < count:
        raise Conflict(detail=f"only {len(free)} of the {count} pieces of equipment {equipment_id} are free then")
    for unit_id in free:
        session.add(
            EquipmentUse(
                booking_id=booking_id, session_id=session_id, unit_id=unit_id, starts_at=starts_at, ends_at=ends_at
            )
        )


async def release_session(session: AsyncSession, session_id: uuid.UUID) -> None:
    """A cancelled session gives its pieces back."""
    await session.execute(
        update(EquipmentUse)
        .where(EquipmentUse.session_id == session_id)
        .values(active=False, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
