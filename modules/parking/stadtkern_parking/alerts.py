"""Pushes that follow new live numbers: "there is space now" alerts and favourites closing unexpectedly.

Alerts are rows evaluated whenever new state arrives (DESIGN §11): one push when free spaces rise
to the threshold inside the alert's window, then none until they fell below ``threshold -
hysteresis`` again (no flapping around the threshold), and never two within the cooldown. An
alert without a facility watches the best P+R site within its radius. A favourite's closure is
"unexpected" when the facility is open around the clock or has no opening hours we could
expect it from (its nightly closing is not news), or when staff close it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Audience, Notification, near
from schemas import LocalizedText
from stadtkern_parking.ingest import store_states
from stadtkern_parking.models import Facility, FacilityState, Favourite, SpaceAlert
from stadtkern_parking.records import Report, StatusRecord

TOPIC_SPACE = "parking.space"
TOPIC_CLOSURES = "parking.closures"
COOLDOWN = dt.timedelta(minutes=30)
ALWAYS_OPEN = (None, "24/7")


def hysteresis(threshold: int) -> int:
    """How far below the threshold free spaces must fall before the alert fires again."""
    return max(2, threshold // 10)


def in_window(alert: SpaceAlert, local: dt.datetime) -> bool:
    """Whether the alert is active at this local time."""
    minute = local.hour * 60 + local.minute
    return str(local.isoweekday()) in alert.weekdays and alert.start_minute <= minute < alert.end_minute


async def _best_park_and_ride(session: AsyncSession, alert: SpaceAlert) -> tuple[Facility | None, int | None]:
    if alert.lat is None or alert.lon is None or alert.radius_m is None:
        return None, None
    statement: Any = (
        select(Facility, FacilityState.free)
        .join(FacilityState, FacilityState.facility_id == Facility.id)
        .where(Facility.park_and_ride.is_(True), FacilityState.free.is_not(None), FacilityState.status != "closed")
    )
    rows: list[Any] = list(
        (await session.execute(near(session, statement, Facility, alert.lat, alert.lon, alert.radius_m))).all()
    )
    if not rows:
        return None, None
    facility, free = max(rows, key=lambda row: row[1])
    return facility, int(free)


def _space_note(facility: Facility, free: int) -> Notification:
    return Notification(
        topic=TOPIC_SPACE,
        title=LocalizedText(de=f"Freie Plätze: {facility.name}", en=f"Spaces free: {facility.name}"),
        body=LocalizedText(de=f"Jetzt {free} Plätze frei.", en=f"{free} spaces free now."),
        deep_link=f"stadtkern://parking/facilities/{facility.id}",
        data={"facility_id": str(facility.id), "free": str(free)},
        collapse_key=f"parking-space-{facility.id}"[:64],
        ttl_seconds=1800,
    )


async def evaluate_alerts(
    session: AsyncSession, push: Any, tz: ZoneInfo, now: dt.datetime, changed: Iterable[uuid.UUID]
) -> int:
    """Fires the alerts whose facility (or P+R area) crossed its threshold; returns pushes sent."""
    ids = list(changed)
    statement = select(SpaceAlert).where(SpaceAlert.facility_id.is_(None))
    if ids:
        statement = select(SpaceAlert).where((SpaceAlert.facility_id.in_(ids)) | (SpaceAlert.facility_id.is_(None)))
    alerts = list((await session.scalars(statement)).all())
    if not alerts:
        return 0
    local, sent = now.astimezone(tz), 0
    for alert in alerts:
        if alert.facility_id is None:
            facility, free = await _best_park_and_ride(session, alert)
        else:
            facility = await session.get(Facility, alert.facility_id)
            state = await session.get(FacilityState, alert.facility_id)
            free = state.free if state is not None and state.status != "closed" else None
        if facility is None or free is None:
            continue
        if not alert.armed:
            alert.armed = free < alert.threshold - hysteresis(alert.threshold)
            continue
        cooled = alert.last_sent_at is None or now - alert.last_sent_at >= COOLDOWN
        if free >= alert.threshold and in_window(alert, local) and cooled:
            note = _space_note(facility, free)
            await push.notify(_to(note, alert.device_id), session=session)
            alert.armed, alert.last_sent_at = False, now
            sent += 1
    return sent


def _to(note: Notification, *devices: uuid.UUID) -> Notification:
    return Notification(
        topic=note.topic,
        title=note.title,
        body=note.body,
        deep_link=note.deep_link,
        data=note.data,
        collapse_key=note.collapse_key,
        ttl_seconds=note.ttl_seconds,
        audience=Audience(device_ids=tuple(devices)),
    )


async def notify_closure(session: AsyncSession, push: Any, facility: Facility) -> bool:
    """One push to the devices that keep the facility as a favourite; False if none does."""
    devices = list(
        (await session.scalars(select(Favourite.device_id).where(Favourite.facility_id == facility.id))).all()
    )
    if not devices:
        return False
    note = Notification(
        topic=TOPIC_CLOSURES,
        title=LocalizedText(de=f"Geschlossen: {facility.name}", en=f"Closed: {facility.name}"),
        body=LocalizedText(de="Ihr gemerkter Parkplatz ist gerade geschlossen.", en="Your saved car park just closed."),
        deep_link=f"stadtkern://parking/facilities/{facility.id}",
        data={"facility_id": str(facility.id)},
        collapse_key=f"parking-closed-{facility.id}"[:64],
        audience=Audience(device_ids=tuple(devices)),
    )
    await push.notify(note, session=session)
    return True


async def store_and_notify(
    session: AsyncSession,
    push: Any,
    tz: ZoneInfo,
    source: str,
    records: list[StatusRecord],
    report: Report,
    now: dt.datetime,
) -> int:
    """``store_states``, then the pushes its new numbers call for (none without ``push``)."""
    before: dict[uuid.UUID, str] = {}
    if push is not None:
        rows = await session.execute(
            select(FacilityState.facility_id, FacilityState.status)
            .join(Facility, Facility.id == FacilityState.facility_id)
            .where(Facility.source == source)
        )
        before = dict(rows.all())
    written = await store_states(session, source, records, report, now)
    if push is None or not written:
        return written
    after = dict(
        (
            await session.execute(
                select(Facility.id, FacilityState.status)
                .join(FacilityState, FacilityState.facility_id == Facility.id)
                .where(Facility.source == source, FacilityState.received_at == now)
            )
        ).all()
    )
    for facility_id, status in after.items():
        if status == "closed" and before.get(facility_id) == "open":
            facility = await session.get(Facility, facility_id)
            if facility is not None and facility.opening_hours in ALWAYS_OPEN:
                await notify_closure(session, push, facility)
    await evaluate_alerts(session, push, tz, now, after)
    return written
