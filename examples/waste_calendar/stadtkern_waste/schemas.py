"""What the routes accept and answer (msgspec Structs: validated, and described in OpenAPI)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from stadtkern_waste.models import Fraction, Pickup


class PickupIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A pickup as an editor adds it."""

    district: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    fraction: Fraction
    date: dt.date


class PickupOut(msgspec.Struct):
    """A pickup as apps see it."""

    id: uuid.UUID
    district: str
    fraction: str
    date: dt.date
    updated_at: dt.datetime


def pickup_out(row: Pickup) -> PickupOut:
    """The wire form of a row."""
    return PickupOut(
        id=row.id, district=row.district, fraction=row.fraction, date=row.pickup_date, updated_at=row.updated_at
    )
