"""What each city configures for the waste calendar in ``module_manifest.toml``."""

from __future__ import annotations

from typing import Annotated

import msgspec

District = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class WasteSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Settings of one city; a bad value stops start-up naming the key."""

    # The city's collection districts; pickups and filters must name one of them.
    districts: Annotated[list[District], msgspec.Meta(min_length=1)]
    # Past pickups stay listed this many days (a resident checks whether the bin was emptied),
    # then the nightly job removes them.
    keep_past_days: Annotated[int, msgspec.Meta(ge=0, le=400)] = 28
