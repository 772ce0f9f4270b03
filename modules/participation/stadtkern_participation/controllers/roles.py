"""Who is calling a resident route: the city's editors see drafts and free-text results there too."""

from __future__ import annotations

from typing import Any

from core.api import ROLE_EDITOR, ModuleContext, StaffUser

MODULE_ID = "participation"


def is_staff(ctx: ModuleContext[Any]) -> bool:
    """Whether the caller is an editor of this module in the request's city."""
    user = ctx.user
    return isinstance(user, StaffUser) and user.has_role(ctx.tenant.slug, MODULE_ID, ROLE_EDITOR)
