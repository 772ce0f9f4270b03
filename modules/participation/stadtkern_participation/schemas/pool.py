"""The Mitmachpool on the wire: registration, the token from an e-mail link, a member's record."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from schemas import Key
from stadtkern_participation.models import PoolMember

AgeBand = Literal["16-17", "18-29", "30-44", "45-59", "60-74", "75+"]
Gender = Literal["female", "male", "diverse", "none"]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class RegistrationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A sign-up with the Mitmachpool: the address and what a draw may stratify by."""

    email: Email
    locale: Literal["de", "en"] = "de"
    district: Key | None = None
    age_band: AgeBand | None = None
    gender: Gender | None = None
    interests: Annotated[list[Key], msgspec.Meta(max_length=20)] = []
    # With a device credential: invitations also arrive as push on this device.
    link_device: bool = False


class Accepted(msgspec.Struct):
    """A request was taken on; what happens next (the same answer for known and new addresses)."""

    status: Literal["confirmation_sent"]


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    """The token from an e-mail link."""

    token: Annotated[str, msgspec.Meta(min_length=10, max_length=100)]


class ConsentOut(msgspec.Struct):
    """The state of a member's consent after confirming or renewing it."""

    confirmed: bool
    consent_expires_at: dt.datetime | None


class PendingChangeOut(msgspec.Struct):
    """A sign-up with the member's address, waiting for the link mailed to it."""

    locale: str
    district: str | None
    age_band: str | None
    gender: str | None
    interests: list[str]
    device_link: bool


class MemberOut(msgspec.Struct):
    """Everything the pool holds about one member."""

    email: str
    locale: str
    district: str | None
    age_band: str | None
    gender: str | None
    interests: list[str]
    device_linked: bool
    registered_at: dt.datetime
    confirmed_at: dt.datetime | None
    consent_expires_at: dt.datetime | None
    pending_change: PendingChangeOut | None = None


def member_out(row: PoolMember) -> MemberOut:
    """The wire form of a pool record."""
    return MemberOut(
        email=row.email,
        locale=row.locale,
        district=row.district,
        age_band=row.age_band,
        gender=row.gender,
        interests=list(row.interests),
        device_linked=row.device_id is not None,
        registered_at=row.created_at,
        confirmed_at=row.confirmed_at,
        consent_expires_at=row.consent_expires_at,
        pending_change=None if row.pending_profile is None else _pending_out(row),
    )


def _pending_out(row: PoolMember) -> PendingChangeOut:
    profile = row.pending_profile or {}
    return PendingChangeOut(
        locale=profile["locale"],
        district=profile["district"],
        age_band=profile["age_band"],
        gender=profile["gender"],
        interests=list(profile["interests"]),
        device_link=row.pending_device_id is not None,
    )
