"""The core's device table as push reads it (plain SQL on ``core_device``, not the core's private model)."""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID

core_device = sa.table(
    "core_device",
    sa.column("id", GUID(length=16)),
    sa.column("tenant_id", sa.String()),
    sa.column("locale", sa.String()),
    sa.column("push_token", sa.String()),
    sa.column("push_token_active", sa.Boolean()),
)
