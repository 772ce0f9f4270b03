"""What every route module here shares: the context type and the caller's device."""

from __future__ import annotations

import uuid

from core.api import DeviceUser, ModuleContext, RequestContext
from stadtkern_projektor.settings import ProjektorSettings

Ctx = RequestContext[ProjektorSettings]


def device_of(ctx: ModuleContext[ProjektorSettings]) -> uuid.UUID:
    """The calling device (the routes using it are guarded by ``require_device``)."""
    user = ctx.user
    assert isinstance(user, DeviceUser)  # require_device guarantees it
    return user.device_id
