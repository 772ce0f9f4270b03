"""What each city configures for the Ideenpool in ``module_manifest.toml``."""

from __future__ import annotations

from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class IdeasSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Settings of one city; a bad value stops start-up naming the key."""

    # The districts and topics an idea may name (the city's own words); empty: any name is accepted.
    districts: list[Name] = []
    topics: list[Name] = []
    # Submissions cost a moderator's time: at most this many ideas per device a day.
    ideas_per_device_day: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    # The dialogue's rate limits: per device across threads, and per thread across devices (a pile-on).
    comments_per_device_hour: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 20
    comments_per_thread_minute: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 30
