"""An EVSE's status changes: the one place that writes the status and its history."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import city_of, utcnow
from stadtkern_charging.models import Evse, StatusChange, new_id
from stadtkern_charging.ocpi.enums import Status


def evse_key(evse_id: str | None) -> str | None:
    """The eMI3 EVSE id as records of several sources meet: upper case, without ``*``, ``-`` and spaces."""
    if not evse_id:
        return None
    key = "".join(c for c in evse_id.upper() if c.isalnum())
    return key or None


def set_status(
    session: AsyncSession,
    evse: Evse,
    status: Status,
    *,
    source: str,
    reported_at: dt.datetime | None = None,
    live: bool = True,
) -> bool:
    """Take a reported status; a change is written to the history. True when the status changed."""
    now = utcnow()
    if live:
        evse.status_reported_at = min(reported_at or now, now)
        evse.live = True
    if evse.status == status and evse.status_since is not None:
        return False
    previous = evse.status if evse.status_since is not None else None
    evse.status = status
    evse.status_since = now
    session.add(StatusChange(evse=evse, status=status, previous=previous, at=now, source=source))
    return True


async def set_statuses(
    session: AsyncSession, changes: Sequence[tuple[uuid.UUID, str | None, str, dt.datetime | None]], *, source: str
) -> int:
    """Many reported statuses at once, set-based: ``(evse id, current status, reported, reported at)``.

    The same rules as :func:`set_status` (history row per change, the report time never in the future)
    in a few statements instead of a round trip per EVSE; returns how many changed."""
    now = utcnow()
    city = city_of(session)
    changed: dict[str, list[uuid.UUID]] = defaultdict(list)
    reported: dict[dt.datetime, list[uuid.UUID]] = defaultdict(list)
    history = []
    for evse_id, current, status, at in changes:
        reported[min(at or now, now)].append(evse_id)
        if status != current:
            changed[status].append(evse_id)
            history.append(
                {
                    "id": new_id(),
                    "tenant_id": city,
                    "evse_id": evse_id,
                    "status": status,
                    "previous": current,
                    "at": now,
                    "source": source,
                }
            )
    for moment, ids in reported.items():
        await session.execute(update(Evse).where(Evse.id.in_(ids)).values(status_reported_at=moment, live=True))
    for status, ids in changed.items():
        await session.execute(update(Evse).where(Evse.id.in_(ids)).values(status=status, status_since=now))
    if history:
        # The table, not the ORM entity: a plain executemany (every row names its city above).
        await session.execute(insert(cast("Table", StatusChange.__table__)), history)
    return len(history)
