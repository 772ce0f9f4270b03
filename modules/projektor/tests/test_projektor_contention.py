"""Real concurrency on both databases: many transactions on many connections at once (not a loop
in one session). The database alone decides who gets the slot or the seat."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_projektor.models import Booking, DeviceQuota
from stadtkern_projektor.models import Session as WorkshopSession
from stadtkern_projektor.services.lifecycle import cancel
from stadtkern_projektor.services.rooms import SlotRequest, book_slot, get_room
from stadtkern_projektor.services.seats import SeatRequest, book_seat
from stadtkern_projektor.settings import ProjektorSettings
from support_projektor import BASE, BERLIN, EDITOR, make_room, make_workshop, next_day_at, push_for

from core.api import Conflict, utcnow
from core.api.tenancy import sessions_for_city

SETTINGS = ProjektorSettings(device_active_limit=3)


async def test_200_clients_one_slot_exactly_one_wins(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: object
) -> None:
    staff = await new_staff("dortmund", EDITOR)  # type: ignore[operator]
    room_id = uuid.UUID(await make_room(client, staff))
    city = sessions_for_city(sessions, "dortmund")
    start = next_day_at(11)

    async def attempt() -> int:
        async with city() as session, session.begin():
            room = await get_room(session, room_id)
            try:
                await book_slot(
                    session,
                    SETTINGS,
                    room,
                    SlotRequest(starts_at=start),
                    device_id=uuid.uuid4(),
                    tz=BERLIN,
                    now=utcnow(),
                    hold=False,
                )
            except Conflict:
                return 409
            return 201

    outcomes = Counter(await asyncio.gather(*(attempt() for _ in range(200))))
    assert outcomes == {201: 1, 409: 199}
    async with sessions() as session:
        live = await session.scalar(select(func.count()).where(Booking.room_id == room_id))
        quotas = await session.scalar(select(func.sum(DeviceQuota.active)))
    assert live == 1
    assert quotas == 1  # the 199 losers' device counters were rolled back with their bookings


async def test_300_clients_40_seats_then_10_cancellations_promote_the_next_10(
    app: Litestar, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], new_staff: object
) -> None:
    staff = await new_staff("dortmund", EDITOR)  # type: ignore[operator]
    _, sid = await make_workshop(client, staff, seats=40, auto_promote=True)
    session_id = uuid.UUID(sid)
    city = sessions_for_city(sessions, "dortmund")
    push = push_for(app)

    async def attempt() -> str:
        async with city() as session, session.begin():
            booking = await book_seat(
                session,
                SETTINGS,
                push,
                session_id,
                SeatRequest(wait=True),
                device_id=uuid.uuid4(),
                now=utcnow(),
                tz=BERLIN,
            )
            status: str = booking.status
            return status

    outcomes = Counter(await asyncio.gather(*(attempt() for _ in range(300))))
    assert outcomes == {"confirmed": 40, "waiting": 260}
    async with sessions() as session:
        row = await session.get(WorkshopSession, session_id)
        assert row is not None and row.seats_taken == 40
        queue = list(
            await session.scalars(
                select(Booking.position).where(Booking.status == "waiting").order_by(Booking.position)
            )
        )
        assert queue == list(range(1, 261))  # gapless, no position twice
        confirmed = list(await session.scalars(select(Booking.id).where(Booking.status == "confirmed")))

    async def leave(booking_id: uuid.UUID) -> None:
        async with city() as session, session.begin():
            booking = await session.get(Booking, booking_id, with_for_update=True)
            assert booking is not None
            await cancel(session, SETTINGS, push, booking, now=utcnow(), tz=BERLIN)

    await asyncio.gather(*(leave(b) for b in confirmed[:10]))
    async with sessions() as session:
        promoted = list(
            await session.scalars(
                select(Booking.position)
                .where(Booking.status == "confirmed", Booking.from_waitlist)
                .order_by(Booking.position)
            )
        )
        still = list(
            await session.scalars(
                select(Booking.position).where(Booking.status == "waiting").order_by(Booking.position)
            )
        )
        row = await session.get(WorkshopSession, session_id, populate_existing=True)
        assert row is not None
        assert row.seats_taken == 40
    assert promoted == list(range(1, 11))
    assert still == list(range(11, 261))


async def test_concurrent_http_requests_answer_201_once_and_409_otherwise(
    app_factory: object, sessions: async_sessionmaker[AsyncSession]
) -> None:
    app = app_factory(rate_limit_per_minute=100_000)  # type: ignore[operator]
    async with AsyncTestClient(app=app) as client:
        from core.testing import register_device, staff_headers

        staff = await staff_headers(client, sessions, "dortmund", EDITOR)
        room_id = await make_room(client, staff)
        devices = [(await register_device(client, "dortmund"))[1] for _ in range(20)]
        body = {"starts_at": next_day_at(14).isoformat()}
        answers = await asyncio.gather(
            *(client.post(f"{BASE}/rooms/{room_id}/bookings", json=body, headers=h) for h in devices)
        )
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 409: 19}
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.headers["content-type"].startswith("application/problem+json")
    assert "taken" in loser.json()["detail"]
