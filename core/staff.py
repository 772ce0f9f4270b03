"""Staff accounts and their grants (used by the staff routes and the ``create-admin`` CLI).

An account is global, but a city sees only the accounts that hold a grant in it: to any other
city's admin every other account does not exist (404, never its e-mail).
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.selectable import Exists

from core.api.identity import ALL_MODULES
from core.auth.passwords import hash_password
from core.models import StaffAccount, StaffGrant
from core.staff_sessions import end_sessions


async def find_by_email(session: AsyncSession, email: str) -> StaffAccount | None:
    """The account with ``email`` in any city (never tell a city's admin about another city's)."""
    result = await session.scalars(select(StaffAccount).where(StaffAccount.email == email.strip().lower()))
    return result.first()


async def create_account(session: AsyncSession, email: str, display_name: str, password: str) -> StaffAccount:
    """A new active account with an argon2id hash of ``password`` and no grants."""
    account = StaffAccount(
        email=email.strip().lower(), display_name=display_name, password_hash=hash_password(password), active=True
    )
    session.add(account)
    await session.flush()
    return account


async def set_grants(
    session: AsyncSession, staff_id: uuid.UUID, tenant: str, grants: dict[str, str]
) -> list[StaffGrant]:
    """Replace this account's grants in one city (other cities' grants are untouched)."""
    await session.execute(delete(StaffGrant).where(StaffGrant.staff_id == staff_id, StaffGrant.tenant_id == tenant))
    rows = [StaffGrant(staff_id=staff_id, tenant_id=tenant, module_id=m, role=r) for m, r in grants.items()]
    session.add_all(rows)
    await session.flush()
    return rows


async def grants_in(session: AsyncSession, staff_id: uuid.UUID, tenant: str) -> dict[str, str]:
    """The account's roles in one city, module (or ``*``) -> role."""
    rows = await session.scalars(
        select(StaffGrant).where(StaffGrant.staff_id == staff_id, StaffGrant.tenant_id == tenant)
    )
    return {g.module_id: g.role for g in rows}


def _has_grant_in(staff_id: InstrumentedAttribute[uuid.UUID] | uuid.UUID, tenant: str | None = None) -> Exists:
    where = [StaffGrant.staff_id == staff_id]
    if tenant is not None:
        where.append(StaffGrant.tenant_id == tenant)
    return exists().where(*where)


async def account_in_city(session: AsyncSession, staff_id: uuid.UUID, tenant: str) -> StaffAccount | None:
    """The account if it holds a grant in ``tenant``; None for unknown and other cities' accounts alike."""
    stmt = select(StaffAccount).where(StaffAccount.id == staff_id, _has_grant_in(StaffAccount.id, tenant))
    return (await session.scalars(stmt)).first()


async def remove_from_city(session: AsyncSession, account: StaffAccount, tenant: str) -> None:
    """Deactivate ``account`` in one city: its grants and sessions there end; other cities keep theirs.

    An account left without a grant anywhere is marked inactive, so none of its tokens works.
    The city sees the same either way: whether another city employs the person stays its business.
    """
    await set_grants(session, account.id, tenant, {})
    await end_sessions(session, account.id, tenant=tenant)
    if not await session.scalar(select(_has_grant_in(account.id))):
        account.active = False
        await end_sessions(session, account.id)


async def ensure_city_admin(
    session: AsyncSession, tenant: str, email: str, display_name: str, password: str
) -> StaffAccount:
    """``email`` as admin of ``tenant`` (created with ``password`` if new; reactivated if inactive)."""
    account = await find_by_email(session, email)
    if account is None:
        account = await create_account(session, email, display_name, password)
    account.active = True
    current = await grants_in(session, account.id, tenant)
    current[ALL_MODULES] = "admin"
    await set_grants(session, account.id, tenant, current)
    return account
