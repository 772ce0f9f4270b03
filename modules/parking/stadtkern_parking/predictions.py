"""The forecast of one facility from its stored day rows and its live state (see ``forecast``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stadtkern_parking.forecast import HORIZONS_MIN, WEEKS, build, predict
from stadtkern_parking.models import DayProfile, Facility, FacilityState
from stadtkern_parking.queries import closed_by_staff, is_stale
from stadtkern_parking.schemas import ForecastOut, ForecastPoint


async def forecast_for(
    session: AsyncSession,
    facility: Facility,
    state: FacilityState | None,
    tz: ZoneInfo,
    now: dt.datetime,
    stale_after: int,
) -> ForecastOut:
    """+15 … +120 min from the live state; nothing to forecast from a stale, absent or closed one."""
    local = now.astimezone(tz)
    since = local.date() - dt.timedelta(weeks=WEEKS)
    rows = (
        await session.execute(
            select(DayProfile.day, DayProfile.free)
            .where(DayProfile.facility_id == facility.id, DayProfile.day >= since)
            .order_by(DayProfile.day)
        )
    ).all()
    model = build([(day, free) for day, free in rows])
    live = (
        state is not None
        and state.free is not None
        and state.status != "closed"
        and not is_stale(state.observed_at, now, stale_after)
        and not closed_by_staff(facility, now)
    )
    points = []
    if live and state is not None and state.free is not None:
        minute = local.hour * 60 + local.minute + local.second / 60
        capacity = state.capacity if state.capacity is not None else facility.capacity
        for horizon in HORIZONS_MIN:
            free = predict(model, float(state.free), local.weekday(), minute, horizon, capacity)
            points.append(ForecastPoint(minutes=horizon, at=now + dt.timedelta(minutes=horizon), free=round(free)))
    return ForecastOut(facility_id=facility.id, based_on_days=model.days, points=points)
