"""The rules hold in the database itself: rows written past the services are refused."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_projektor.models import Booking, EquipmentUnit, EquipmentUse
from stadtkern_projektor.models import Session as WorkshopSession
from support_projektor import EDITOR, make_room, make_workshop, next_day_at

from core.api.tenancy import sessions_for_city


def _slot(room_id: uuid.UUID, start: dt.datetime, status: str = "confirmed", buffer: int = 30) -> Booking:
    end = start + dt.timedelta(hours=1)
    return Booking(
        kind="slot",
        device_id=uuid.uuid4(),
        room_id=room_id,
        starts_at=start,
        ends_at=end,
        blocked_until=end + dt.timedelta(minutes=buffer),
        status=status,
        check_in_code="ABC234",
    )


async def test_overlapping_slot_rows_are_refused_by_the_database(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: object
) -> None:
    staff = await new_staff("dortmund", EDITOR)  # type: ignore[operator]
    room = uuid.UUID(await make_room(client, staff))
    city = sessions_for_city(sessions, "dortmund")
    start = next_day_at(11)
    async with city() as session, session.begin():
        session.add(_slot(room, start))
    # inside the first booking's buffer: refused
    with pytest.raises(IntegrityError, match="projektor_booking_no_overlap"):
        async with city() as session, session.begin():
            session.add(_slot(room, start + dt.timedelta(minutes=80)))
    # a cancelled row does not block; a row right after the buffer fits
    async with city() as session, session.begin():
        session.add(_slot(room, start + dt.timedelta(minutes=10), status="cancelled"))
        session.add(_slot(room, start + dt.timedelta(minutes=90)))
    # reviving the cancelled one by an UPDATE is refused too
    with pytest.raises(IntegrityError, match="projektor_booking_no_overlap"):
        async with city() as session, session.begin():
            await session.execute(update(Booking).where(Booking.status == "cancelled").values(status="confirmed"))


async def test_seat_counter_cannot_pass_capacity(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: object
) -> None:
    staff = await new_staff("dortmund", EDITOR)  # type: ignore[operator]
    await make_workshop(client, staff, seats=2)
    with pytest.raises(IntegrityError, match="seats_within_capacity"):
        async with sessions_for_city(sessions, "dortmund")() as session, session.begin():
            await session.execute(update(WorkshopSession).values(seats_taken=3))


async def test_one_equipment_unit_is_never_used_twice_at_once(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: object
) -> None:
    staff = await new_staff("dortmund", EDITOR)  # type: ignore[operator]
    created = await client.post(
        "/v1/dortmund/projektor/equipment", json={"name": {"de": "3D-Drucker"}, "count": 1}, headers=staff
    )
    assert created.status_code == 201, created.text
    _, sid = await make_workshop(client, staff, seats=2)
    city = sessions_for_city(sessions, "dortmund")
    start = next_day_at(11)
    async with city() as session:
        unit = await session.scalar(select(EquipmentUnit.id))
    assert unit is not None

    def use(offset_hours: int) -> EquipmentUse:
        begin = start + dt.timedelta(hours=offset_hours)
        return EquipmentUse(
            session_id=uuid.UUID(sid), unit_id=unit, starts_at=begin, ends_at=begin + dt.timedelta(hours=2)
        )

    async with city() as session, session.begin():
        session.add(use(0))
    with pytest.raises(IntegrityError, match="projektor_equipment_use_no_overlap"):
        async with city() as session, session.begin():
            session.add(use(1))
    async with city() as session, session.begin():
        session.add(use(2))  # right after: fine
