"""A device's data on the wire: what the export of ``GET /me`` holds."""

# No ``from __future__ import annotations``: DeviceExport is pinned (see openapi_names).

import uuid

import msgspec

from stadtkern_participation.schemas.openapi_names import published_in
from stadtkern_participation.schemas.pool import MemberOut


@published_in("stadtkern_participation.privacy")
class DeviceExport(msgspec.Struct):
    """Everything participation holds about one device."""

    # Surveys this device answered (known only by recomputing the keyed marker; answers are anonymous).
    answered_surveys: list[uuid.UUID]
    result_notifications: list[uuid.UUID]
    pool_registrations: list[MemberOut]
