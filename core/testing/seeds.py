"""Run a module's seed hook for one city, the way ``stadtkern run`` does (``core.seed``)."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.tenancy import sessions_for_city
from core.loader import Plan
from core.seed import seed_context


async def run_seed(app: Litestar, sessions: async_sessionmaker[AsyncSession], module_id: str, city: str) -> None:
    """Seed ``module_id``'s demo data for ``city`` in one transaction on a session bound to that city."""
    plan: Plan = app.state.plan
    seed = plan.tenants[city].modules[module_id].spec.seed
    if seed is None:
        raise LookupError(f"module {module_id!r} has no seed hook")
    async with sessions_for_city(sessions, city)() as session, session.begin():
        await seed(seed_context(plan, city, module_id, session, app.state.settings.secret_key))
