"""Who runs the Ideenpool: the module's moderators (and its admins, or the city's)."""

from __future__ import annotations

import uuid
from typing import Any

from core.api import ModuleContext, StaffUser, require_staff

require_moderator = require_staff("moderator")


def staff_id(ctx: ModuleContext[Any]) -> uuid.UUID | None:
    """The calling staff member's id, as the logs keep it (never their name or e-mail)."""
    user = ctx.user
    return user.staff_id if isinstance(user, StaffUser) else None
