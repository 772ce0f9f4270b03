"""Turning the database's refusals into the 409s residents see."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict
from stadtkern_projektor.guarantees import ROOM_OVERLAP, UNIT_OVERLAP, violated_rule

_OTHER_RULES = {
    "uq_projektor_booking_device_session": "this device already has a seat or a waiting-list place in this session",
    "projektor_booking.session_id, projektor_booking.device_id": (
        "this device already has a seat or a waiting-list place in this session"
    ),
    "seats_within_capacity": "no seat left",
    "active_within_limit": "this device has reached its limit of active bookings",
}


async def flush_or_conflict(session: AsyncSession) -> None:
    """Flush; a broken booking rule is a 409 naming it (the request's transaction is rolled back)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        rule = violated_rule(exc)
        if rule == ROOM_OVERLAP:
            raise Conflict(detail="this slot is already taken") from exc
        if rule == UNIT_OVERLAP:
            raise Conflict(detail="the equipment asked for is already in use then") from exc
        for marker, detail in _OTHER_RULES.items():
            if marker in str(exc):
                raise Conflict(detail=detail) from exc
        raise
