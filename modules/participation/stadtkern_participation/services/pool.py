"""The Mitmachpool: registration with e-mail double opt-in, consent that expires, withdrawal.

Links in e-mails carry random tokens; the database keeps only their SHA-256. A link opens the
city's web page (``public_base_url``), which posts the token here: a GET that acted would let
mail scanners confirm or withdraw on the resident's behalf.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import NotFound, TenantRepository, utcnow
from stadtkern_participation.mail import change_text, confirmation_text, link, send_mail
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


def _profile(data: RegistrationIn, interests: list[str]) -> dict[str, Any]:
    return {
        "locale": data.locale,
        "district": data.district,
        "age_band": data.age_band,
        "gender": data.gender,
        "interests": interests,
    }


def _apply_profile(row: PoolMember, profile: dict[str, Any]) -> None:
    row.locale = profile["locale"]
    row.district = profile["district"]
    row.age_band = profile["age_band"]
    row.gender = profile["gender"]
    row.interests = list(profile["interests"])


async def register_member(
    session: AsyncSession,
    settings: ParticipationSettings,
    tenant: str,
    data: RegistrationIn,
    *,
    interests: list[str],
    device_id: uuid.UUID | None,
) -> None:
    """Record a (checked) registration and mail its confirmation link.

    A new address gets a record (unconfirmed) and its confirm and manage links. For an address the
    pool has, the sign-up is only a request: it waits in the ``pending_*`` columns until the link
    mailed to the address confirms it; the record, its confirmation and its manage link stand.
    """
    email = normal_email(data.email)
    repo = TenantRepository.for_model(PoolMember, session)
    row = await repo.get_one_or_none(email=email)
    confirm, confirm_hash = new_token()
    if row is None:
        manage, manage_hash = new_token()
        row = PoolMember(
            email=email, manage_token_hash=manage_hash, confirm_token_hash=confirm_hash, device_id=device_id
        )
        _apply_profile(row, _profile(data, interests))
        await repo.add(row)
        subject, body = confirmation_text(
            link(settings, tenant, "pool/confirm", confirm),
            link(settings, tenant, "pool/manage", manage),
            settings.consent_months,
        )
    else:
        # Same answer as for a new address (the endpoint reveals no membership); only the mailbox's
        # owner can make the change take effect.
        row.pending_profile = _profile(data, interests)
        row.pending_device_id = device_id
        row.pending_token_hash = confirm_hash
        row.pending_at = utcnow()
        subject, body = change_text(link(settings, tenant, "pool/confirm", confirm))
    await session.flush()
    await send_mail(settings, email, subject, body)


async def confirm_consent(session: AsyncSession, settings: ParticipationSettings, token: str) -> PoolMember:
    """Confirm a registration, a requested change or renew consent with the token of a mailed link."""
    digest = hash_token(token)
    stmt = select(PoolMember).where(
        or_(PoolMember.confirm_token_hash == digest, PoolMember.pending_token_hash == digest)
    )
    row = await session.scalar(stmt)
    if row is None:
        raise NotFound(detail="this link is not valid (any more)")
    if row.pending_token_hash == digest and row.pending_profile is not None:
        _apply_profile(row, row.pending_profile)
        if row.pending_device_id is not None:
            row.device_id = row.pending_device_id
        drop_pending(row)
    else:
        row.confirm_token_hash = None
    now = utcnow()
    row.confirmed_at = row.confirmed_at or now
    row.consent_expires_at = consent_until(settings, now)
    row.reminder_sent_at = None
    await session.flush()
    return row


def drop_pending(row: PoolMember) -> None:
    """Forget a requested change (confirmed, expired, or its device deleted)."""
    row.pending_profile = None
    row.pending_device_id = None
    row.pending_token_hash = None
    row.pending_at = None


async def withdraw_member(session: AsyncSession, token: str) -> None:
    """Delete the pool record of the holder of a manage link."""
    row = await member_by_token(session, PoolMember.manage_token_hash, token)
    await session.delete(row)
    await session.flush()
