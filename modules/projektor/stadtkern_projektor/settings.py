"""What each city configures for projektor in ``module_manifest.toml``."""

from __future__ import annotations

from typing import Annotated

import msgspec


class ProjektorSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Settings of one city; a bad value stops start-up naming the key."""

    # How long a chosen slot or seat stays held for a resident filling in the form.
    hold_minutes: Annotated[int, msgspec.Meta(ge=1, le=60)] = 10
    # Active bookings (held, pending, confirmed, offered) one device may have at once.
    device_active_limit: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    # No-shows after which a device may not book any more (0: no limit).
    device_no_show_limit: Annotated[int, msgspec.Meta(ge=0, le=100)] = 3
    # A booking not checked in this many minutes after its start counts as a no-show.
    no_show_grace_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 15
    # The reminder push goes out this many hours before a booking starts.
    reminder_hours: Annotated[int, msgspec.Meta(ge=1, le=168)] = 24
    # Participants' names and e-mail addresses are deleted this many days after their session.
    contact_retention_days: Annotated[int, msgspec.Meta(ge=0, le=90)] = 7
