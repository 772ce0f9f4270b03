"""Storing what importers produced: facilities upserted by (source, id), states and samples in bulk.

The session is bound to one city, so nothing here filters by city; bulk statements name the
session's city in ``tenant_id`` as the tenancy rules require.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import city_of, insert_for, is_postgres
from stadtkern_parking.models import Facility, FacilityState, Sample
from stadtkern_parking.records import Rejected, Report, StateValues, StaticRecord, StatusRecord, reconcile

# Columns a feed may set; everything else (closures, staff texts) stays as staff left it.
FEED_COLUMNS = frozenset(
    {
        "name",
        "kind",
        "park_and_ride",
        "lat",
        "lon",
        "address",
        "district",
        "capacity",
        "capacity_disabled",
        "capacity_woman",
        "capacity_family",
        "capacity_charging",
        "capacity_bus",
        "max_height_cm",
        "opening_hours",
        "fees",
        "description",
        "has_fee",
        "operator_name",
        "payment",
        "accessibility",
        "public_url",
    }
)
OPEN_CODE = {"open": 1, "closed": 0}
# After this many new rows the planner's statistics are refreshed in the same transaction: a
# freshly loaded city's map call otherwise runs as a nested loop over "1 estimated row" (670 ms
# instead of 5 ms for 2,000 facilities) until autovacuum, which may be off or late, analyses.
ANALYZE_AFTER = 100


async def refresh_statistics(session: AsyncSession, tables: tuple[str, ...]) -> None:
    """``ANALYZE`` the tables (both databases allow it inside the writing transaction)."""
    for table in tables:
        await session.execute(text(f"ANALYZE {table}"))


def _city(session: AsyncSession) -> str:
    city = city_of(session)
    if city is None:
        raise PermissionError("parking imports need a session bound to a city")
    return city


async def upsert_facilities(
    session: AsyncSession, source: str, records: Iterable[StaticRecord], report: Report, defaults: dict[str, Any]
) -> dict[str, Facility]:
    """Creates or updates the source's facilities; returns them by source id."""
    existing = {
        f.source_id: f for f in (await session.scalars(select(Facility).where(Facility.source == source))).all()
    }
    created = 0
    for record in records:
        values = {**defaults, **{k: v for k, v in record.fields.items() if k in FEED_COLUMNS}}
        if values.get("lat") is None or values.get("lon") is None:
            values["lat"] = values["lon"] = None
        facility = existing.get(record.source_id)
        if facility is None:
            facility = Facility(source=source, source_id=record.source_id, payment=[], accessibility=[])
            session.add(facility)
            existing[record.source_id] = facility
            created += 1
        for key, value in values.items():
            if getattr(facility, key, None) != value:
                setattr(facility, key, value)
        if facility.raw != record.raw:
            facility.raw = record.raw
        if facility.warnings != record.warnings:
            facility.warnings = list(record.warnings)
        report.count(record.source_id, record.warnings)
    await session.flush()
    if created >= ANALYZE_AFTER:
        await refresh_statistics(session, ("parking_facility",))
    return existing


def _state_row(city: str, facility_id: uuid.UUID, values: StateValues, now: dt.datetime) -> dict[str, Any]:
    return {
        "tenant_id": city,
        "facility_id": facility_id,
        "free": values.free,
        "occupied": values.occupied,
        "capacity": values.capacity,
        "status": values.status,
        "observed_at": values.observed_at,
        "received_at": now,
        "raw_free": values.raw_free,
        "raw_occupied": values.raw_occupied,
        "raw_capacity": values.raw_capacity,
        "flags": ("|" + "|".join(f.split(":", 1)[0] for f in values.flags) + "|")[:200] if values.flags else "",
    }


async def write_states(session: AsyncSession, rows: list[dict[str, Any]], new: int = 0) -> None:
    """Upserts state rows and appends a history sample for each (once per observation time).

    ``new``: how many of the rows are a facility's first state (the statistics then grow stale).
    On PostgreSQL the transaction commits without waiting for the WAL flush: a crash loses at
    most the last fraction of a second of live numbers, which the next pull brings again.
    """
    if not rows:
        return
    if is_postgres(session):
        await session.execute(text("SET LOCAL synchronous_commit TO off"))
    # The tables, not the ORM entities: the core's insert check cannot compile an ORM bulk upsert
    # (KeyError '_emit_insert_table'), and Core executemany is the fast path anyway. Every row
    # names the session's city (``_state_row``), as the tenancy rules ask of Table writes.
    stmt = insert_for(session, FacilityState.__table__)
    keep = [c for c in rows[0] if c not in ("tenant_id", "facility_id")]
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["facility_id"], set_={c: stmt.excluded[c] for c in keep}), rows
    )
    samples = [
        {
            "tenant_id": r["tenant_id"],
            "facility_id": r["facility_id"],
            "observed_at": r["observed_at"],
            "free": r["free"],
            "open": OPEN_CODE.get(r["status"]),
        }
        for r in rows
        if r["free"] is not None
    ]
    if samples:
        await session.execute(insert_for(session, Sample.__table__).on_conflict_do_nothing(), samples)
    if new >= ANALYZE_AFTER:
        await refresh_statistics(session, ("parking_state", "parking_sample"))


async def store_states(
    session: AsyncSession, source: str, records: Iterable[StatusRecord], report: Report, now: dt.datetime
) -> int:
    """Reconciles and stores the source's live numbers; returns how many states were written."""
    city = _city(session)
    found_rows = await session.execute(
        select(Facility.source_id, Facility.id, Facility.capacity, FacilityState.facility_id)
        .outerjoin(FacilityState, FacilityState.facility_id == Facility.id)
        .where(Facility.source == source)
    )
    known: dict[str, tuple[uuid.UUID, int | None]] = {}
    stateless: set[uuid.UUID] = set()
    for sid, fid, capacity, has_state in found_rows.all():
        known[sid] = (fid, capacity)
        if has_state is None:
            stateless.add(fid)
    rows: dict[uuid.UUID, dict[str, Any]] = {}
    for record in records:
        found = known.get(record.source_id)
        if found is None:
            report.reject(record.source_id, "id", "no facility with this id in the source's static data")
            continue
        try:
            values = reconcile(record, found[1], now)
        except Rejected as exc:
            report.reject(record.source_id, exc.field, exc.message)
            continue
        report.count(record.source_id, values.flags)
        rows[found[0]] = _state_row(city, found[0], values, now)
    await write_states(session, list(rows.values()), new=len(stateless & rows.keys()))
    return len(rows)
