"""Staff accounts and their grants (used by the staff routes and the ``create-admin`` CLI)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api.identity import ALL_MODULES
from core.auth.passwords import hash_password
from core.models import StaffAccount, StaffGrant


async def find_by_email(session: AsyncSession, email: str) -> StaffAccount | None:
    result = await session.scalars(select(StaffAccount).where(StaffAccount.email == email.strip().lower()))
    return result.first()


async def create_account(session: AsyncSession, email: str, display_name: str, password: str) -> StaffAccount:
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
    rows = await session.scalars(
        select(StaffGrant).where(StaffGrant.staff_id == staff_id, StaffGrant.tenant_id == tenant)
    )
    return {g.module_id: g.role for g in rows}


async def ensure_city_admin(
    session: AsyncSession, tenant: str, email: str, display_name: str, password: str
) -> StaffAccount:
    account = await find_by_email(session, email)
    if account is None:
        account = await create_account(session, email, display_name, password)
    current = await grants_in(session, account.id, tenant)
    current[ALL_MODULES] = "admin"
    await set_grants(session, account.id, tenant, current)
    return account
