"""What each city configures for parking in ``module_manifest.toml``: its feeds and how fresh is live."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
Url = Annotated[str, msgspec.Meta(pattern=r"^https?://", max_length=2000)]
FieldName = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]

SourceType = Literal["datex2", "fiware", "opendatasoft", "simulated"]
FacilityKind = Literal["car_park", "underground", "surface", "on_street", "bike", "other"]
FacilityStatus = Literal["open", "closed", "unknown"]
FACILITY_KINDS: tuple[str, ...] = ("car_park", "underground", "surface", "on_street", "bike", "other")


class SourceConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A feed the city imports; ``id`` becomes each imported facility's ``source``."""

    id: Slug
    type: SourceType
    # The live data (DATEX II status publication, NGSI entities, Opendatasoft records).
    url: Url | None = None
    # DATEX II: the table publication with names, positions and capacities (fetched less often).
    static_url: Url | None = None
    every_seconds: Annotated[int, msgspec.Meta(ge=30, le=86_400)] = 60
    static_every_seconds: Annotated[int, msgspec.Meta(ge=300, le=604_800)] = 21_600
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=120)] = 20.0
    # Facilities the feed does not type (DATEX II rarely says "P+R") get these.
    default_kind: FacilityKind = "car_park"
    park_and_ride: bool = False
    district: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] | None = None
    # Opendatasoft: our field -> the dataset's field, over the default (Dortmund's ``parkhauser``).
    mapping: dict[FieldName, FieldName] = msgspec.field(default_factory=dict)


class ParkingSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Settings of one city; a bad value stops start-up naming the key."""

    sources: list[SourceConfig] = msgspec.field(default_factory=list)
    # A state older than this is marked stale instead of shown as live.
    stale_after_seconds: Annotated[int, msgspec.Meta(ge=60, le=86_400)] = 900
    # Raw samples are kept this many days, then only the quarter-hour day rows remain.
    history_raw_days: Annotated[int, msgspec.Meta(ge=1, le=31)] = 3
    # Day rows (96 quarter-hours of one facility) are kept this many days.
    history_keep_days: Annotated[int, msgspec.Meta(ge=30, le=3660)] = 400
    # Embedded default: the seeded car parks get moving numbers from a simulated feed.
    simulate: bool = False
