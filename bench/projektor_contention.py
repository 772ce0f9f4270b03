"""Projektor contention benchmark: the booking rules under many concurrent transactions.

Migrates the database at ``--url``, empties Dortmund's projektor tables and runs, each booking in
its own transaction on a pool of ``--pool`` connections (the services the routes call, no HTTP):

1. ``--slot-clients`` (200) clients book the same room slot at once: exactly 1 must succeed;
2. ``--seat-clients`` (300) clients book a session of ``--seats`` (40) seats, joining its waiting
   list when full: exactly 40 confirmed, the rest waiting at positions 1..n, no seat counted twice;
   then 10 of the confirmed cancel at once and exactly the next 10 (positions 1..10) are promoted;
3. throughput: ``--clients`` (32) concurrent clients take ``--bookings`` (2000) seats of one hot
   session (every booking serialises on its row), timing each booking: bookings/s, p50, p99;
   ``--spread N`` spreads them over N sessions instead (no shared row).

    .venv/bin/python bench/projektor_contention.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_projektor
    .venv/bin/python bench/projektor_contention.py --url sqlite+aiosqlite:////tmp/projektor_bench.db

Last line: JSON with every figure and ``"ok": true`` when every invariant held.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BERLIN = ZoneInfo("Europe/Berlin")
MANIFEST = """
[tenants.dortmund]
name = "Dortmund"
locales = ["de", "en"]
time_zone = "Europe/Berlin"

[tenants.dortmund.modules.projektor]
device_active_limit = 5
"""


async def _prepare(
    factory: Any, seats: int, big: int, spread: int
) -> tuple[Any, uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    from sqlalchemy import delete
    from stadtkern_projektor.models import MODELS, Room, Session, Workshop

    async with factory() as session, session.begin():
        for model in reversed(MODELS):
            await session.execute(delete(model))
        room = Room(
            name={"de": "Werkstattraum"},
            capacity=20,
            opening_hours={str(d): [["08:00", "20:00"]] for d in range(1, 8)},
            slot_minutes=60,
            buffer_minutes=30,
            min_notice_minutes=0,
            max_days_ahead=30,
        )
        workshop = Workshop(title={"de": "3D-Druck"}, auto_promote=True)
        session.add_all([room, workshop])
        await session.flush()
        start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        small = Session(workshop_id=workshop.id, starts_at=start, ends_at=start + dt.timedelta(hours=2), seats=seats)
        hot = [
            Session(workshop_id=workshop.id, starts_at=start, ends_at=start + dt.timedelta(hours=2), seats=big)
            for _ in range(spread)
        ]
        session.add_all([small, *hot])
        await session.flush()
        return room, room.id, small.id, [h.id for h in hot]


async def _slot_phase(factory: Any, settings: Any, room_id: uuid.UUID, clients: int) -> Counter[int]:
    from stadtkern_projektor.services.rooms import SlotRequest, book_slot, get_room

    from core.api import Conflict, utcnow

    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=2)
    start = dt.datetime.combine(day, dt.time(11), tzinfo=BERLIN)

    async def attempt() -> int:
        async with factory() as session, session.begin():
            room = await get_room(session, room_id)
            try:
                await book_slot(
                    session,
                    settings,
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

    return Counter(await asyncio.gather(*(attempt() for _ in range(clients))))


async def _book(factory: Any, settings: Any, push: Any, session_id: uuid.UUID) -> Any:
    from stadtkern_projektor.services.seats import SeatRequest, book_seat

    from core.api import utcnow

    async with factory() as session, session.begin():
        return await book_seat(
            session, settings, push, session_id, SeatRequest(wait=True), device_id=uuid.uuid4(), now=utcnow(), tz=BERLIN
        )


async def _seat_phase(factory: Any, settings: Any, push: Any, session_id: uuid.UUID, clients: int) -> dict[str, Any]:
    from sqlalchemy import select
    from stadtkern_projektor.models import Booking
    from stadtkern_projektor.models import Session as WorkshopSession
    from stadtkern_projektor.services.lifecycle import cancel

    from core.api import utcnow

    booked = await asyncio.gather(*(_book(factory, settings, push, session_id) for _ in range(clients)))
    statuses = Counter(b.status for b in booked)
    async with factory() as session:
        positions = list(
            await session.scalars(
                select(Booking.position)
                .where(Booking.session_id == session_id, Booking.status == "waiting")
                .order_by(Booking.position)
            )
        )
        row = await session.get(WorkshopSession, session_id)
        taken = row.seats_taken if row else -1
    confirmed = [b.id for b in booked if b.status == "confirmed"][:10]

    async def leave(booking_id: uuid.UUID) -> None:
        async with factory() as session, session.begin():
            booking = await session.get(Booking, booking_id, with_for_update=True)
            await cancel(session, settings, push, booking, now=utcnow(), tz=BERLIN)

    await asyncio.gather(*(leave(b) for b in confirmed))
    async with factory() as session:
        promoted = list(
            await session.scalars(
                select(Booking.position)
                .where(Booking.session_id == session_id, Booking.status == "confirmed", Booking.from_waitlist)
                .order_by(Booking.position)
            )
        )
    return {"statuses": statuses, "positions": positions, "seats_taken": taken, "promoted": promoted}


async def _throughput(
    factory: Any, settings: Any, push: Any, session_ids: list[uuid.UUID], clients: int, total: int
) -> dict[str, float]:
    latencies: list[float] = []
    queue = iter(range(total))

    async def worker(number: int) -> None:
        session_id = session_ids[number % len(session_ids)]
        for _ in queue:
            began = time.perf_counter()
            await _book(factory, settings, push, session_id)
            latencies.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(clients)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "bookings_per_s": round(total / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from stadtkern_projektor.settings import ProjektorSettings

    from core.api.push import BoundPush
    from core.api.tenancy import sessions_for_city
    from core.db import create_engine, session_factory
    from core.loader import build_plan
    from core.manifest import load_manifest
    from core.migrate import upgrade

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as handle:
        handle.write(MANIFEST)
    plan = build_plan(load_manifest(Path(handle.name)))
    engine = create_engine(args.url, pool_size=args.pool, max_overflow=0)
    await upgrade(engine, plan)
    factory = sessions_for_city(session_factory(engine), "dortmund")
    push = BoundPush(plan.ports["push"], None, plan.tenants["dortmund"].info)
    settings = ProjektorSettings(device_active_limit=5)
    _, room_id, small, hot = await _prepare(factory, args.seats, args.bookings, args.spread)
    slot = await _slot_phase(factory, settings, room_id, args.slot_clients)
    seat = await _seat_phase(factory, settings, push, small, args.seat_clients)
    speed = await _throughput(factory, settings, push, hot, args.clients, args.bookings)
    await engine.dispose()
    waiting = args.seat_clients - args.seats
    ok = (
        slot == Counter({201: 1, 409: args.slot_clients - 1})
        and seat["statuses"] == Counter({"confirmed": args.seats, "waiting": waiting})
        and seat["positions"] == list(range(1, waiting + 1))
        and seat["seats_taken"] == args.seats
        and seat["promoted"] == list(range(1, 11))
    )
    return {
        "database": engine.dialect.name,
        "slot_clients": args.slot_clients,
        "slot_booked": slot[201],
        "slot_409": slot[409],
        "seat_clients": args.seat_clients,
        "seats": args.seats,
        "seat_confirmed": seat["statuses"]["confirmed"],
        "seat_waiting": seat["statuses"]["waiting"],
        "promoted_after_10_cancellations": seat["promoted"],
        "clients": args.clients,
        "spread": args.spread,
        **speed,
        "ok": ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--slot-clients", type=int, default=200)
    parser.add_argument("--seat-clients", type=int, default=300)
    parser.add_argument("--seats", type=int, default=40)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--pool", type=int, default=32)
    # More than 1: the throughput clients spread over this many sessions (no hot row), to tell the
    # row lock's share of the latency from the rest.
    parser.add_argument("--spread", type=int, default=1)
    figures = asyncio.run(run(parser.parse_args()))
    print(f"slot: {figures['slot_booked']} booked, {figures['slot_409']} x 409 of {figures['slot_clients']} clients")
    promoted = figures["promoted_after_10_cancellations"]
    print(f"seats: {figures['seat_confirmed']} confirmed, {figures['seat_waiting']} waiting; promoted {promoted}")
    speed = f"{figures['bookings_per_s']}/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms"
    print(f"throughput at {figures['clients']} clients over {figures['spread']} sessions: {speed}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
