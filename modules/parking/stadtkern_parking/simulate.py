"""A simulated live feed for the embedded default: the seeded car parks fill and empty like city ones.

Occupancy follows a weekly shape (shopping hours, a busier Saturday, a quiet Sunday and night),
each facility with its own scale and phase from its id, plus noise: enough for ``make run`` to
show moving numbers, a curve in the detail and something for the forecast to learn.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stadtkern_parking.alerts import store_and_notify
from stadtkern_parking.models import Facility
from stadtkern_parking.records import Report, StatusRecord

DEMO_SOURCE = "demo"
# Peak share of spaces taken, by weekday (Monday first).
DAY_PEAK = (0.72, 0.70, 0.74, 0.76, 0.85, 0.95, 0.35)


def _traits(key: str) -> tuple[float, float]:
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    return 0.75 + digest[0] / 1000, (digest[1] - 128) / 128  # scale 0.75..1.0, phase -1..1 h


def occupied_share(key: str, local: dt.datetime) -> float:
    """The expected share of spaces taken at a local time (no noise)."""
    scale, phase = _traits(key)
    hour = local.hour + local.minute / 60 - phase
    # a broad day bump centred mid-afternoon, nearly empty at night
    day = math.exp(-(((hour - 14.5) / 3.6) ** 2))
    base = 0.06 + DAY_PEAK[local.weekday()] * day
    return max(0.0, min(1.0, base * scale))


def simulated_free(key: str, capacity: int, when: dt.datetime, tz: ZoneInfo, rng: random.Random) -> int:
    """Free spaces at ``when`` with a little noise, always within 0..capacity."""
    share = occupied_share(key, when.astimezone(tz)) + rng.gauss(0, 0.025)
    return max(0, min(capacity, round(capacity * (1 - share))))


async def simulate_tick(
    session: AsyncSession, tz: ZoneInfo, now: dt.datetime, rng: random.Random, push: Any = None
) -> int:
    """One round of live numbers for the city's demo facilities, through the real ingestion path."""
    rows = (
        await session.execute(
            select(Facility.source_id, Facility.capacity).where(
                Facility.source == DEMO_SOURCE, Facility.capacity.is_not(None)
            )
        )
    ).all()
    records = [
        StatusRecord(
            source_id=row.source_id,
            observed_at=now,
            free=simulated_free(row.source_id, row.capacity, now, tz, rng),
            capacity=row.capacity,
            status="open",
        )
        for row in rows
    ]
    return await store_and_notify(session, push, tz, DEMO_SOURCE, records, Report(), now)
