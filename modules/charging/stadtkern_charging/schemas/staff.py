"""What staff send and receive: push partners and the sources' import reports."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from stadtkern_charging.settings import SourceType

CountryCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2}$")]
PartyId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9]{3}$")]
PartnerName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class PartnerIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A CPO that will push its Locations: its OCPI party."""

    name: PartnerName
    country_code: CountryCode
    party_id: PartyId


class PartnerOut(msgspec.Struct, kw_only=True):
    """A partner; ``token`` only in the answer that issued it (it is stored hashed)."""

    id: uuid.UUID
    name: str
    country_code: str
    party_id: str
    active: bool
    last_push_at: dt.datetime | None
    token: str | None


class RunMessage(msgspec.Struct, kw_only=True):
    """One line of a report."""

    record: str
    message: str


class ImportRunOut(msgspec.Struct, kw_only=True):
    """One run of one source: accepted, repaired, rejected, outside the area, and why."""

    id: uuid.UUID
    source: str
    kind: SourceType
    started_at: dt.datetime
    finished_at: dt.datetime | None
    ok: bool
    error: str | None
    accepted: int
    repaired: int
    rejected: int
    outside: int
    messages: list[RunMessage]
