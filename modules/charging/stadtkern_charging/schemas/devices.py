"""What a device sends and receives for favourites and "tell me when it is free"."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from stadtkern_charging.models import WatchState
from stadtkern_charging.ocpi.enums import ConnectorType


class WatchIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Wait for one location, or for any matching charger within ``radius_m`` of a point."""

    location_id: uuid.UUID | None = None
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None
    radius_m: Annotated[int, msgspec.Meta(ge=100, le=20000)] = 2000
    plugs: Annotated[list[ConnectorType], msgspec.Meta(max_length=10)] = msgspec.field(default_factory=list)
    min_power_kw: Annotated[float, msgspec.Meta(ge=0, le=2000)] | None = None
    # The window, from now: a watch never outlives a few hours.
    minutes: Annotated[int, msgspec.Meta(ge=5, le=480)] = 60


class WatchOut(msgspec.Struct, kw_only=True):
    """A watch and how far it got."""

    id: uuid.UUID
    location_id: uuid.UUID | None
    lat: float | None
    lon: float | None
    radius_m: int | None
    plugs: list[str]
    min_power_kw: float | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: WatchState
    pushes: int


class FavouriteOut(msgspec.Struct, kw_only=True):
    """A favourite location."""

    location_id: uuid.UUID
    saved_at: dt.datetime


class ChargingExport(msgspec.Struct, kw_only=True):
    """Everything charging keeps about a device."""

    favourites: list[FavouriteOut]
    watches: list[WatchOut]
