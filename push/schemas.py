"""Wire types of the push API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from schemas import Key

HHMM = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["22:00"])]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class QuietHours(msgspec.Struct, forbid_unknown_fields=True):
    """Local times in the city's time zone; ``start`` after ``end`` spans midnight (22:00-07:00)."""

    start: HHMM
    end: HHMM


class TopicOut(msgspec.Struct):
    id: str
    title: str
    enabled: bool
    default_on: bool
    districts: list[str]
    categories: list[str]
    opted_in_at: dt.datetime | None = None


class SubscriptionsOut(msgspec.Struct):
    topics: list[TopicOut]
    quiet_hours: QuietHours | None
    district: str | None
    time_zone: str


class TopicIn(msgspec.Struct, forbid_unknown_fields=True):
    id: Key
    enabled: bool
    districts: Annotated[list[Name], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    categories: Annotated[list[Name], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)


class SubscriptionsIn(msgspec.Struct, forbid_unknown_fields=True):
    """Topics listed are set; topics not listed keep their current state."""

    topics: Annotated[list[TopicIn], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)
    quiet_hours: QuietHours | msgspec.UnsetType | None = msgspec.UNSET
    district: Name | msgspec.UnsetType | None = msgspec.UNSET


class PushSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    quiet_hours: QuietHours | msgspec.UnsetType | None = msgspec.UNSET
    district: Name | msgspec.UnsetType | None = msgspec.UNSET


class PushSettingsOut(msgspec.Struct):
    quiet_hours: QuietHours | None
    district: str | None
    time_zone: str


class OpenedIn(msgspec.Struct, forbid_unknown_fields=True):
    notification_id: uuid.UUID
