"""The Mitmachpool: registration with e-mail double opt-in, consent that expires, withdrawal.

Links in e-mails carry random tokens; the database keeps only their SHA-256. A link opens the
city's web page (``public_base_url``), which posts the token here: a GET that acted would let
mail scanners confirm or withdraw on the resident's behalf.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import NotFound, TenantRepository, utcnow
from stadtkern_participation.mail import confirmation_text, link, send_mail
from stadtkern_participation.models import PoolMember
from stadtkern_participation.schemas.pool import RegistrationIn
from stadtkern_participation.settings import ParticipationSettings
from stadtkern_participation.tokens import hash_token, new_token


def consent_until(settings: ParticipationSettings, now: dt.datetime) -> dt.datetime:
    """When consent given at ``now`` ends (``consent_months`` later)."""
    return now + dt.timedelta(days=round(30.44 * settings.consent_months))


def normal_email(email: str) -> str:
    """The address as stored and counted: trimmed and lower-case."""
    return email.strip().lower()


async def member_by_token(session: AsyncSession, column: Any, token: str) -> PoolMember:
    """The pool record whose ``column`` holds the hash of ``token``; 404 if none does."""
    stmt = select(PoolMember).where(column == hash_token(token))
    row = await session.scalar(stmt)
    if row is None:
        raise NotFound(detail="this link is not valid (any more)")
    return row


async def register_member(
    session: AsyncSession,
    settings: ParticipationSettings,
    tenant: str,
    data: RegistrationIn,
    *,
    interests: list[str],
    device_id: uuid.UUID | None,
) -> None:
    """Record a (checked) registration with fresh tokens and mail the confirmation link."""
    email = normal_email(data.email)
    repo = TenantRepository.for_model(PoolMember, session)
    row = await repo.get_one_or_none(email=email)
    confirm, confirm_hash = new_token()
    manage, manage_hash = new_token()
    if row is None:
        row = await repo.add(PoolMember(email=email, manage_token_hash=manage_hash, interests=[]))
    # Same answer whether or not the address was known: the endpoint reveals no membership.
    row.locale = data.locale
    row.district = data.district
    row.age_band = data.age_band
    row.gender = data.gender
    row.interests = interests
    row.confirm_token_hash = confirm_hash
    row.manage_token_hash = manage_hash
    if device_id is not None:
        row.device_id = device_id
    await session.flush()
    subject, body = confirmation_text(
        link(settings, tenant, "pool/confirm", confirm),
        link(settings, tenant, "pool/manage", manage),
        settings.consent_months,
    )
    await send_mail(settings, email, subject, body)


async def confirm_consent(session: AsyncSession, settings: ParticipationSettings, token: str) -> PoolMember:
    """Confirm a registration or renew consent with the token of a confirmation link."""
    row = await member_by_token(session, PoolMember.confirm_token_hash, token)
    now = utcnow()
    row.confirmed_at = row.confirmed_at or now
    row.consent_expires_at = consent_until(settings, now)
    row.reminder_sent_at = None
    row.confirm_token_hash = None
    await session.flush()
    return row


async def withdraw_member(session: AsyncSession, token: str) -> None:
    """Delete the pool record of the holder of a manage link."""
    row = await member_by_token(session, PoolMember.manage_token_hash, token)
    await session.delete(row)
    await session.flush()
