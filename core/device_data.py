"""One export and one delete for a resident, across every module the city enables.

Each module that keeps rows about a device declares ``ModuleSpec.device_data`` (``core.api``);
the core runs the hooks of the device's city in module load order, in one transaction. A module
with a foreign key to ``core_device`` and no hooks stops start-up: a resident's export would
silently miss its data.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.api.context import DeviceContext
from core.api.contract import DeviceData
from core.api.keys import ModuleKeys
from core.errors import StartupError
from core.loader import Plan, Tenant

DEVICE_TABLE = "core_device"


def _keeps_device_rows(models: Any) -> str | None:
    for model in models:
        table = getattr(model, "__table__", None)
        if table is None:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == DEVICE_TABLE:
                return str(table.name)
    return None


def check_device_data(plan: Plan) -> None:
    """Every module whose tables refer to a device declares how to export and delete its data."""
    for module_id, spec in plan.specs.items():
        table = _keeps_device_rows(spec.models)
        if table is not None and spec.device_data is None:
            raise StartupError(
                f"module {module_id!r}: table {table!r} refers to {DEVICE_TABLE} but the spec declares "
                "no device_data (the resident's export and delete, see docs/modules.md)"
            )


def _contexts(
    tenant: Tenant, session: AsyncSession, device_id: uuid.UUID, secret_key: str
) -> list[tuple[DeviceData, DeviceContext[Any]]]:
    """The hooks of the city's modules in load order, each with its context."""
    found = []
    for module_id, enabled in tenant.modules.items():
        hooks = enabled.spec.device_data
        if hooks is None:
            continue
        ctx: DeviceContext[Any] = DeviceContext(
            module_id=module_id,
            tenant=tenant.info,
            settings=enabled.settings,
            session=session,
            device_id=device_id,
            keys=ModuleKeys(module_id, secret_key),
        )
        found.append((hooks, ctx))
    return found


async def export_all(tenant: Tenant, session: AsyncSession, device_id: uuid.UUID, secret_key: str) -> dict[str, Any]:
    """Module id -> what that module keeps about the device (modules with nothing to keep are absent)."""
    return {ctx.module_id: await hooks.export(ctx) for hooks, ctx in _contexts(tenant, session, device_id, secret_key)}


async def delete_all(tenant: Tenant, session: AsyncSession, device_id: uuid.UUID, secret_key: str) -> None:
    """Run every module's delete for the device; the caller deletes the device row in the same transaction."""
    for hooks, ctx in _contexts(tenant, session, device_id, secret_key):
        await hooks.delete(ctx)
