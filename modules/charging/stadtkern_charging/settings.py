"""What each city configures for charging in ``module_manifest.toml``: its area and its sources."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Url = Annotated[str, msgspec.Meta(pattern=r"^https?://", max_length=500)]
EnvName = Annotated[str, msgspec.Meta(pattern=r"^[A-Z][A-Z0-9_]{0,79}$")]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]

SourceType = Literal["ocpi", "bnetza", "afir_static", "afir_status"]


class Area(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The city's area: imports keep what lies inside (the register's ``Ort`` column is not trusted)."""

    # [south, west, north, east] in WGS 84 degrees.
    bbox: Annotated[list[float], msgspec.Meta(min_length=4, max_length=4)] | None = None
    # [[lat, lon], ...], closed or not; tested after the bbox.
    polygon: (
        Annotated[list[Annotated[list[float], msgspec.Meta(min_length=2, max_length=2)]], msgspec.Meta(min_length=3)]
        | None
    ) = None


class Source(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A feed the city imports; its id is the ``source`` of every record it brings."""

    id: Slug
    type: SourceType
    url: Url
    # The name of the environment variable holding the OCPI token (the token itself never sits in the manifest).
    token_env: EnvName | None = None
    # "2.2.1" sends the token base64-encoded (OCPI 2.2.1 §4.1.3); "2.2" and older operators want it plain.
    ocpi_version: Literal["2.2.1", "2.2"] = "2.2.1"
    page_limit: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100
    every_seconds: Annotated[int, msgspec.Meta(ge=60, le=7 * 86400)] = 300
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=300)] = 30.0
    # Whether the source's status is live (OCPI) or a register's static "in Betrieb".
    live: bool | None = None


class ChargingSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The city's charging settings."""

    area: Area | None = None
    sources: list[Source] = msgspec.field(default_factory=list)
    # A live status older than this is shown as stale (and not counted as free).
    stale_after_seconds: Annotated[int, msgspec.Meta(ge=60, le=7 * 86400)] = 1800
    # Demo only: the embedded default moves the demo chargers' status every minute.
    simulate_status: bool = False
    # "Tell me when it is free": a point must stay free this long before the push (no flapping),
    # and a watch waits this long between its pushes.
    free_for_seconds: Annotated[int, msgspec.Meta(ge=0, le=3600)] = 60
    cooldown_seconds: Annotated[int, msgspec.Meta(ge=0, le=86400)] = 300
    # Operators whose chargers are the city's own (compared case-insensitively): staff hear of their outages.
    city_operators: list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]] = msgspec.field(
        default_factory=list
    )
    outage_alert_after_minutes: Annotated[int, msgspec.Meta(ge=5, le=43200)] = 120
    # How many pages one pull may walk (a loop of Link headers ends here).
    max_pages: Annotated[int, msgspec.Meta(ge=1, le=10000)] = 1000
