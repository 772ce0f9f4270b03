"""What each city configures for the events calendar in ``module_manifest.toml``."""

from __future__ import annotations

from typing import Annotated

import msgspec

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]

DEFAULT_CATEGORIES = [
    "concert",
    "theatre",
    "exhibition",
    "family",
    "sports",
    "market",
    "festival",
    "education",
    "guided_tour",
    "community",
    "other",
]


class FeedConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """An iCalendar feed the city imports (e.g. the culture office's calendar)."""

    id: Slug
    url: Annotated[str, msgspec.Meta(pattern=r"^https?://")]
    # Categories given to every event of the feed (feeds rarely use ours).
    categories: list[str] = msgspec.field(default_factory=lambda: ["other"])
    district: Name | None = None
    # Imported events go live at once unless an editor should review them first.
    publish: bool = True


class EventsSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    categories: Annotated[list[Slug], msgspec.Meta(min_length=1)] = msgspec.field(
        default_factory=lambda: list(DEFAULT_CATEGORIES)
    )
    # Empty: any district name is accepted.
    districts: list[Name] = msgspec.field(default_factory=list)
    feeds: list[FeedConfig] = msgspec.field(default_factory=list)
    # How far ahead recurring events are expanded (the list can not look further).
    horizon_days: Annotated[int, msgspec.Meta(ge=30, le=1100)] = 400
    # At most this many occurrences of one event are expanded.
    max_occurrences: Annotated[int, msgspec.Meta(ge=10, le=5000)] = 1000
    feed_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=120)] = 15.0
    # Mass-removal guard: an import (feed or upload) that would remove more than this share of the
    # feed's events at once is refused and reported (a valid but empty feed must not wipe the
    # events and the residents' favourites and reminders); an editor can confirm it.
    feed_removal_limit: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.5
