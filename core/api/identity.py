"""Who is calling: a resident's app install, or a city employee. ``request.user`` is one of these."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from core.api.contract import ROLE_ADMIN

ALL_MODULES = "*"


@dataclass(frozen=True, slots=True)
class DeviceUser:
    """A resident's app install, registered with one city (``request.user`` on a device credential)."""

    device_id: uuid.UUID
    tenant: str
    locale: str


@dataclass(frozen=True, slots=True)
class StaffUser:
    """A city employee signed in with a staff token, with roles per city and module (``grants``)."""

    staff_id: uuid.UUID
    email: str
    # (city, module or "*") -> role
    grants: dict[tuple[str, str], str] = field(default_factory=dict)

    def has_role(self, tenant: str, module_id: str, role: str) -> bool:
        """City admins (``*``/admin) may do everything in their city; otherwise the module's grant decides.

        An admin of a module may do what its editors may; other roles must match exactly.
        """
        if self.grants.get((tenant, ALL_MODULES)) == ROLE_ADMIN:
            return True
        for module in (module_id, ALL_MODULES):
            granted = self.grants.get((tenant, module))
            if granted in (role, ROLE_ADMIN):
                return True
        return False
