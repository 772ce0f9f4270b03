"""Run a module's seed hook for one city, the way ``stadtkern run`` does (``core.seed``)."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import SeedContext
from core.api.keys import ModuleKeys
from core.api.push import BoundPush, UnavailablePush
from core.api.tenancy import sessions_for_city
from core.loader import Plan


async def run_seed(app: Litestar, sessions: async_sessionmaker[AsyncSession], module_id: str, city: str) -> None:
    """Seed ``module_id``'s demo data for ``city`` in one transaction on a session bound to that city."""
    plan: Plan = app.state.plan
    tenant = plan.tenants[city]
    enabled = tenant.modules[module_id]
    if enabled.spec.seed is None:
        raise LookupError(f"module {module_id!r} has no seed hook")
    port = plan.ports.get("push") or UnavailablePush()
    async with sessions_for_city(sessions, city)() as session, session.begin():
        await enabled.spec.seed(
            SeedContext(
                module_id=module_id,
                tenant=tenant.info,
                settings=enabled.settings,
                session=session,
                push=BoundPush(port, session, tenant.info),
                keys=ModuleKeys(module_id, app.state.settings.secret_key),
            )
        )
