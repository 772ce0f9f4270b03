"""Staff sessions: one row per sign-in, named by the token's ``sid``; ending one ends its token at once.

A session belongs to the city it was opened in and carries that city's roles only, so a city's
admin sees and ends the sessions opened in their city and never another city's.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.api.db import utcnow
from core.models import StaffSession


async def open_session(session: AsyncSession, staff_id: uuid.UUID, tenant: str, hours: int) -> StaffSession:
    """A new session of ``staff_id`` in ``tenant``, valid for ``hours``; expired sessions go first."""
    now = utcnow()
    # Sign-in is rare and rate-limited: deleting every expired session here (indexed) keeps the
    # table at the open sessions without a scheduled job.
    await session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    row = StaffSession(staff_id=staff_id, tenant_id=tenant, expires_at=now + dt.timedelta(hours=hours))
    session.add(row)
    await session.flush()
    return row


def _open(staff_id: uuid.UUID, now: dt.datetime) -> list[ColumnElement[bool]]:
    return [StaffSession.staff_id == staff_id, StaffSession.revoked_at.is_(None), StaffSession.expires_at > now]


async def open_sessions(session: AsyncSession, staff_id: uuid.UUID, tenant: str) -> list[StaffSession]:
    """The account's sessions in ``tenant`` that still let a token in, newest first."""
    stmt = (
        select(StaffSession)
        .where(*_open(staff_id, utcnow()), StaffSession.tenant_id == tenant)
        .order_by(StaffSession.created_at.desc(), StaffSession.id.desc())
    )
    return list((await session.scalars(stmt)).all())


async def end_sessions(
    session: AsyncSession,
    staff_id: uuid.UUID,
    *,
    tenant: str | None = None,
    keep: uuid.UUID | None = None,
    only: uuid.UUID | None = None,
) -> int:
    """Revoke the account's open sessions (in ``tenant``, or everywhere; but ``keep``; or just ``only``)."""
    now = utcnow()
    where = _open(staff_id, now)
    if tenant is not None:
        where.append(StaffSession.tenant_id == tenant)
    if keep is not None:
        where.append(StaffSession.id != keep)
    if only is not None:
        where.append(StaffSession.id == only)
    result = await session.execute(
        update(StaffSession)
        .where(*where)
        .values(revoked_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
