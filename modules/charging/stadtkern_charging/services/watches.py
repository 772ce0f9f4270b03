"""Evaluating "tell me when it is free": rows checked whenever the job runs, with hysteresis and cool-down.

A watch pushes once when a matching EVSE has been free (live, fresh) for ``free_for_seconds``; if
that EVSE is taken again before the driver arrives, once more with the free alternatives nearby
(after ``cooldown_seconds``). Then it is done; it expires at the end of its window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Audience, Notification, distance_to, near
from schemas import LocalizedText
from stadtkern_charging.models import Connector, Evse, Location, Watch
from stadtkern_charging.settings import ChargingSettings

TOPIC_FREE = "charging.free"
MAX_ALTERNATIVES = 3
# Alternatives to a watched location are looked for this far around it.
ALTERNATIVES_RADIUS_M = 2000
Point = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Free:
    """A free EVSE matching a watch."""

    evse_id: Any
    location_id: Any
    name: str


def _free_statement(
    session: AsyncSession, watch: Watch, free_since: dt.datetime, fresh_since: dt.datetime, around: Point | None
) -> Any:
    stmt: Select[Any] = cast(
        "Select[Any]",
        select(Evse.id, Location.id, Location.name, Location.address)
        .join(Location, Location.id == Evse.location_id)
        .where(
            Location.publish.is_(True),
            Evse.status == "AVAILABLE",
            Evse.live.is_(True),
            Evse.status_reported_at >= fresh_since,
            Evse.status_since <= free_since,
        ),
    )
    plug = select(Connector.id).where(Connector.evse_id == Evse.id)
    if watch.plugs:
        plug = plug.where(Connector.standard.in_(watch.plugs))
    if watch.min_power_w is not None:
        plug = plug.where(Connector.power_w >= watch.min_power_w)
    stmt = stmt.where(plug.exists())
    if around is None and watch.location_id is not None:
        return stmt.where(Location.id == watch.location_id).order_by(Evse.uid)
    lat, lon, radius = around or (watch.lat, watch.lon, watch.radius_m)
    assert lat is not None and lon is not None and radius is not None
    stmt = near(session, stmt, Location, lat, lon, radius)
    return stmt.order_by(distance_to(session, Location, lat, lon), Evse.uid)


async def free_matches(
    session: AsyncSession,
    watch: Watch,
    now: dt.datetime,
    settings: ChargingSettings,
    limit: int = MAX_ALTERNATIVES + 1,
    around: Point | None = None,
) -> list[Free]:
    """Matching EVSEs free for at least the hysteresis, nearest (or in uid order) first."""
    free_since = now - dt.timedelta(seconds=settings.free_for_seconds)
    fresh_since = now - dt.timedelta(seconds=settings.stale_after_seconds)
    stmt = _free_statement(session, watch, free_since, fresh_since, around)
    rows = (await session.execute(stmt.limit(limit))).all()
    return [Free(evse_id=r[0], location_id=r[1], name=r[2] or r[3]) for r in rows]


def _notification(watch: Watch, first: Free, others: list[Free], again: bool) -> Notification:
    names = ", ".join(f.name for f in others[:MAX_ALTERNATIVES])
    if not again:
        title = LocalizedText(de=f"Frei: {first.name}"[:200], en=f"Free now: {first.name}"[:200])
        body = LocalizedText(de="Ein passender Ladepunkt ist jetzt frei.", en="A matching charge point is free now.")
    else:
        title = LocalizedText(de="Wieder belegt: Alternativen in der Nähe", en="Taken again: alternatives nearby")
        body = LocalizedText(de=f"Frei: {names}"[:500], en=f"Free: {names}"[:500])
    return Notification(
        topic=TOPIC_FREE,
        title=title,
        body=body,
        deep_link=f"stadtkern://charging/locations/{first.location_id}",
        data={"watch_id": str(watch.id), "location_id": str(first.location_id), "again": str(again).lower()},
        priority="high",
        collapse_key=f"charging-w-{watch.id}"[:64],
        ttl_seconds=900,
        audience=Audience(device_ids=(watch.device_id,)),
    )


async def _around(session: AsyncSession, watch: Watch) -> Point:
    """Where alternatives are looked for: around the watched location, or the watch's own circle."""
    if watch.location_id is None:
        assert watch.lat is not None and watch.lon is not None and watch.radius_m is not None
        return watch.lat, watch.lon, watch.radius_m
    place = (await session.execute(select(Location.lat, Location.lon).where(Location.id == watch.location_id))).one()
    return place[0], place[1], ALTERNATIVES_RADIUS_M


async def _still_free(session: AsyncSession, evse_id: Any) -> bool:
    status = await session.scalar(select(Evse.status).where(Evse.id == evse_id))
    return status == "AVAILABLE"


async def evaluate(
    session: AsyncSession, push: Any, watch: Watch, now: dt.datetime, settings: ChargingSettings
) -> bool:
    """One watch against the current state; True when it pushed."""
    if watch.ends_at <= now:
        watch.state = "expired"
        return False
    if watch.starts_at > now or watch.state not in ("waiting", "notified"):
        return False
    cooled = watch.last_push_at is None or (now - watch.last_push_at).total_seconds() >= settings.cooldown_seconds
    if watch.state == "notified":
        if not cooled or watch.notified_evse_id is None or await _still_free(session, watch.notified_evse_id):
            return False
        around = await _around(session, watch)
        matches = await free_matches(session, watch, now, settings, MAX_ALTERNATIVES + 1, around)
        others = [f for f in matches if f.evse_id != watch.notified_evse_id]
        if not others:
            return False  # nothing to offer yet: look again next run
        await push.notify(_notification(watch, others[0], others, True), session=session)
        watch.state = "done"
    else:
        found = await free_matches(session, watch, now, settings, limit=1)
        if not found or not cooled:
            return False
        await push.notify(_notification(watch, found[0], found, False), session=session)
        watch.state, watch.notified_evse_id = "notified", found[0].evse_id
    watch.pushes += 1
    watch.last_push_at = now
    return True


async def open_watches(session: AsyncSession, now: dt.datetime) -> list[Watch]:
    """The city's watches still waiting or notified (including ones whose window just ended)."""
    stmt = select(Watch).where(Watch.state.in_(("waiting", "notified"))).order_by(Watch.created_at)
    return list((await session.scalars(stmt)).all())
