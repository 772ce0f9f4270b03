"""An EVSE's status changes: the one place that writes the status and its history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from core.api import utcnow
from stadtkern_charging.models import Evse, StatusChange


def evse_key(evse_id: str | None) -> str | None:
    """The eMI3 EVSE id as records of several sources meet: upper case, without ``*``, ``-`` and spaces."""
    if not evse_id:
        return None
    key = "".join(c for c in evse_id.upper() if c.isalnum())
    return key or None


def set_status(
    session: AsyncSession,
    evse: Evse,
    status: str,
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
