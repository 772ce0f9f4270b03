"""Staff invitations: how a person comes to work for a city, whether or not they have an account.

A city's admin invites an e-mail with roles and is never told whether that e-mail already has an
account (in another city, or without any city). The person accepts with the one-time token:
with a new password if the e-mail has no account yet, or with the existing account's password,
which is their consent to the new city's roles. Only the token's SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api.db import utcnow
from core.models import StaffInvitation

INVITATION_DAYS = 7


def token_digest(token: str) -> str:
    """The stored form of an invitation token (SHA-256, hex): a database leak yields no usable token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def invite(
    session: AsyncSession,
    tenant: str,
    email: str,
    display_name: str,
    grants: dict[str, str],
    invited_by: uuid.UUID | None,
) -> tuple[StaffInvitation, str]:
    """A new invitation and its token (returned once, never stored); it replaces a pending one for the e-mail."""
    now = utcnow()
    email = email.strip().lower()
    # Expired invitations are useless and hold an e-mail: gone whenever anyone invites (indexed).
    await session.execute(delete(StaffInvitation).where(StaffInvitation.expires_at <= now))
    # Inviting again (a lost token, other roles) withdraws the earlier token of this city.
    await session.execute(
        delete(StaffInvitation).where(
            StaffInvitation.tenant_id == tenant,
            StaffInvitation.email == email,
            StaffInvitation.accepted_at.is_(None),
        )
    )
    token = secrets.token_urlsafe(32)
    row = StaffInvitation(
        tenant_id=tenant,
        email=email,
        display_name=display_name,
        grants=grants,
        token_hash=token_digest(token),
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
        invited_by=invited_by,
    )
    session.add(row)
    await session.flush()
    return row, token


async def pending(session: AsyncSession, tenant: str) -> list[StaffInvitation]:
    """The city's invitations nobody has accepted yet and that have not expired, by e-mail."""
    stmt = (
        select(StaffInvitation)
        .where(
            StaffInvitation.tenant_id == tenant,
            StaffInvitation.accepted_at.is_(None),
            StaffInvitation.expires_at > utcnow(),
        )
        .order_by(StaffInvitation.email, StaffInvitation.id)
    )
    return list((await session.scalars(stmt)).all())


async def by_token(session: AsyncSession, tenant: str, token: str) -> StaffInvitation | None:
    """The city's invitation with this token (used and expired ones included), locked for acceptance."""
    stmt = (
        select(StaffInvitation)
        .where(StaffInvitation.tenant_id == tenant, StaffInvitation.token_hash == token_digest(token))
        .with_for_update()
    )
    return (await session.scalars(stmt)).first()


def usable(invitation: StaffInvitation) -> bool:
    """Not yet accepted and not expired."""
    return invitation.accepted_at is None and invitation.expires_at > utcnow()
