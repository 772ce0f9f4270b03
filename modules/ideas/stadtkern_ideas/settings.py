"""What each city configures for the Ideenpool in ``module_manifest.toml``."""

from __future__ import annotations

from typing import Annotated, Literal

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
    # Photos of ideas: how many per idea, how large an upload may be (the route accepts at most 8 MiB).
    photos_per_idea: Annotated[int, msgspec.Meta(ge=0, le=10)] = 3
    photo_max_bytes: Annotated[int, msgspec.Meta(ge=10_000, le=8_388_608)] = 8_388_608
    # Where the re-encoded photos live: "local" (a folder; the embedded default) or "s3".
    photo_storage: Literal["local", "s3"] = "local"
    photo_dir: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] = "var/ideas-photos"
    s3_endpoint_url: Annotated[str, msgspec.Meta(max_length=500, pattern=r"^https?://")] | None = None
    s3_region: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "eu-central-1"
    s3_bucket: Annotated[str, msgspec.Meta(min_length=3, max_length=63)] = "stadtkern-ideas"
    # Names of environment variables with the S3 credentials (never the credentials themselves;
    # unset: boto3's own chain, e.g. an instance role).
    s3_access_key_env: Name | None = None
    s3_secret_key_env: Name | None = None
