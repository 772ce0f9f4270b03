"""The module's one table: a collection of one waste fraction in one district on one day."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.api import TenantOwned

Fraction = Literal["residual", "paper", "bio", "packaging"]
FRACTIONS: tuple[str, ...] = get_args(Fraction)
RESOURCE = "waste.pickup"


class Pickup(TenantOwned):
    __tablename__ = "waste_pickup"
    __table_args__ = (Index("ix_waste_pickup_lookup", "tenant_id", "district", "pickup_date"),)

    district: Mapped[str] = mapped_column(String(80))
    fraction: Mapped[str] = mapped_column(String(16))
    pickup_date: Mapped[dt.date] = mapped_column(Date)
