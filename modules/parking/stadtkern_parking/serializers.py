"""Rows as the wire shapes residents and staff get (texts in the caller's language)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from core.api import pick
from stadtkern_parking.models import Facility, FacilityState, ImportRun
from stadtkern_parking.queries import state_out
from stadtkern_parking.schemas import FacilityOut, FacilitySummary, HistoryPoint, ImportRunOut, StaffStateOut


def summary(
    facility: Facility, state: FacilityState | None, distance: float | None, now: dt.datetime, stale_after: int
) -> FacilitySummary:
    """A facility in a list."""
    return FacilitySummary(
        id=facility.id,
        name=facility.name,
        kind=facility.kind,
        park_and_ride=facility.park_and_ride,
        lat=facility.lat,
        lon=facility.lon,
        address=facility.address,
        capacity=facility.capacity,
        capacity_disabled=facility.capacity_disabled,
        max_height_cm=facility.max_height_cm,
        closed_until=facility.closed_until if facility.closed_until and facility.closed_until > now else None,
        state=state_out(facility, state, now, stale_after),
        distance_m=round(distance, 1) if distance is not None else None,
    )


def detail(
    facility: Facility,
    state: FacilityState | None,
    history: list[HistoryPoint],
    locales: Sequence[str],
    now: dt.datetime,
    stale_after: int,
) -> FacilityOut:
    """A facility's detail page."""
    closed = facility.closed_until is not None and facility.closed_until > now
    return FacilityOut(
        id=facility.id,
        name=facility.name,
        kind=facility.kind,
        park_and_ride=facility.park_and_ride,
        lat=facility.lat,
        lon=facility.lon,
        address=facility.address,
        district=facility.district,
        capacity=facility.capacity,
        capacity_disabled=facility.capacity_disabled,
        capacity_woman=facility.capacity_woman,
        capacity_family=facility.capacity_family,
        capacity_charging=facility.capacity_charging,
        capacity_bus=facility.capacity_bus,
        max_height_cm=facility.max_height_cm,
        opening_hours=facility.opening_hours,
        fees=pick(facility.fees, list(locales)),
        description=pick(facility.description, list(locales)),
        has_fee=facility.has_fee,
        operator_name=facility.operator_name,
        payment=list(facility.payment or []),
        accessibility=list(facility.accessibility or []),
        public_url=facility.public_url,
        source=facility.source,
        closed_until=facility.closed_until if closed else None,
        closed_note=pick(facility.closed_note, list(locales)) if closed else None,
        state=state_out(facility, state, now, stale_after),
        last_24h=history,
        updated_at=facility.updated_at,
    )


def staff_state(facility: Facility, state: FacilityState | None, now: dt.datetime, stale_after: int) -> StaffStateOut:
    """The state with what the feed really sent."""
    return StaffStateOut(
        state=state_out(facility, state, now, stale_after),
        raw_free=state.raw_free if state else None,
        raw_occupied=state.raw_occupied if state else None,
        raw_capacity=state.raw_capacity if state else None,
        flags=[f for f in (state.flags if state else "").split("|") if f],
        warnings=list(facility.warnings or []),
    )


def run_out(run: ImportRun) -> ImportRunOut:
    """One pull's report."""
    return ImportRunOut(
        source=run.source,
        part=run.part,
        started_at=run.started_at,
        finished_at=run.finished_at,
        ok=run.ok,
        accepted=run.accepted,
        repaired=run.repaired,
        rejected=run.rejected,
        error=run.error,
        issues=list(run.issues or []),
    )
