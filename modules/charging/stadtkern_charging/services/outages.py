"""Staff hear when one of the city's own chargers has been out of order for too long (once per spell)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Notification
from schemas import LocalizedText
from stadtkern_charging.models import Evse, Location, OutageAlert
from stadtkern_charging.settings import ChargingSettings

TOPIC_OUTAGES = "charging.outages"


async def alert_outages(session: AsyncSession, push: Any, now: dt.datetime, settings: ChargingSettings) -> int:
    """One push per EVSE and out-of-order spell past the limit; returns how many were sent."""
    if not settings.city_operators:
        return 0
    limit = now - dt.timedelta(minutes=settings.outage_alert_after_minutes)
    operators = [o.casefold() for o in settings.city_operators]
    stmt = (
        select(Evse, Location.name, Location.address)
        .join(Location, Location.id == Evse.location_id)
        .where(
            Evse.status == "OUTOFORDER", Evse.status_since <= limit, func.lower(Location.operator_key).in_(operators)
        )
        .where(
            ~select(OutageAlert.id)
            .where(OutageAlert.evse_id == Evse.id, OutageAlert.since == Evse.status_since)
            .exists()
        )
    )
    sent = 0
    for evse, name, address in (await session.execute(stmt)).all():
        hours = int((now - evse.status_since).total_seconds() // 3600)
        place = name or address
        await push.notify(
            Notification(
                topic=TOPIC_OUTAGES,
                title=LocalizedText(de=f"Ladepunkt gestört: {place}"[:200], en=f"Charger out of order: {place}"[:200]),
                body=LocalizedText(
                    de=f"{evse.evse_id or evse.uid} ist seit {hours} Stunden außer Betrieb.",
                    en=f"{evse.evse_id or evse.uid} has been out of order for {hours} hours.",
                ),
                deep_link=f"stadtkern://charging/locations/{evse.location_id}",
                data={"evse_uid": evse.uid, "location_id": str(evse.location_id)},
                collapse_key=f"charging-o-{evse.id}"[:64],
            ),
            session=session,
        )
        session.add(OutageAlert(evse_id=evse.id, since=evse.status_since))
        sent += 1
    return sent
