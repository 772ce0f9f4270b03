"""``?since=`` delta sync of the module's lists: only rows changed since, and what was deleted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import deleted_since


async def changes_since(
    session: AsyncSession,
    stmt: Select[Any],
    model: Any,
    resource: str,
    changed_since: dt.datetime | None,
    cursor: str | None,
) -> tuple[Select[Any], list[str]]:
    """``stmt`` limited to ``model`` rows changed since, and (on the first page) the ids deleted since."""
    if changed_since is None:
        return stmt, []
    stmt = stmt.where(model.updated_at > changed_since)
    deleted = [] if cursor else await deleted_since(session, resource, changed_since)
    return stmt, deleted
