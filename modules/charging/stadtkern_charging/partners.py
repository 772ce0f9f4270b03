"""OCPI partner tokens: issued once, stored as keyed hashes, read from ``Authorization: Token …``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import ModuleKeys, utcnow
from stadtkern_charging.models import Partner

TOKEN_PURPOSE = "ocpi-partner-token"  # noqa: S105 - the name of a key derivation, not a secret


def new_token() -> str:
    """A fresh credentials token (OCPI CREDENTIALS_TOKEN, at most 64 characters)."""
    return secrets.token_urlsafe(36)


def token_hash(keys: ModuleKeys, token: str) -> str:
    """What the partner table stores: HMAC-SHA256 under a key derived for this purpose only."""
    return hmac.new(keys.derive(TOKEN_PURPOSE), token.encode(), hashlib.sha256).hexdigest()


def _candidates(header: str | None) -> list[str]:
    """The token as sent: OCPI 2.2.1 base64-encodes it; 2.2 and 2.1.1 partners send it plain."""
    if not header or not header.startswith("Token ") or len(header) > 300:
        return []
    raw = header.removeprefix("Token ").strip()
    found = [raw]
    try:
        decoded = base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return found
    if decoded.isprintable():
        found.insert(0, decoded)
    return found


async def partner_for(session: AsyncSession, keys: ModuleKeys, header: str | None) -> Partner:
    """The active partner whose token this is (in the request's city); 401 otherwise."""
    for token in _candidates(header):
        stmt = select(Partner).where(Partner.token_hash == token_hash(keys, token), Partner.active.is_(True))
        partner = (await session.scalars(stmt)).one_or_none()
        if partner is not None:
            partner.last_push_at = utcnow()
            return partner
    raise NotAuthorizedException(
        detail="an OCPI partner token is required: Authorization: Token <base64 token>",
        headers={"WWW-Authenticate": 'Token realm="ocpi"'},  # OCPI 2.2.1's scheme, not the app's Bearer
    )


def check_party(partner: Partner, country_code: str, party_id: str) -> None:
    """A partner pushes its own Locations only (403 for another party's URL)."""
    if (country_code.upper(), party_id.upper()) != (partner.country_code, partner.party_id):
        raise PermissionDeniedException(detail=f"this token pushes for {partner.country_code}/{partner.party_id} only")


def source_of(partner: Partner) -> str:
    """The ``source`` of what a partner pushes."""
    return f"partner:{partner.country_code}*{partner.party_id}"
