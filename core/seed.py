"""Demo data for the embedded default: each enabled module's ``seed`` hook, once per city."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api.context import SeedContext
from core.api.contract import ModuleSpec
from core.api.db import TenantScoped
from core.api.keys import ModuleKeys
from core.api.push import BoundPush, UnavailablePush
from core.api.tenancy import sessions_for_city
from core.db import create_unpooled_engine, session_factory
from core.errors import StartupError
from core.loader import Plan, build_plan
from core.manifest import load_manifest
from core.settings import Settings
from core.staff import ensure_city_admin

log = logging.getLogger("stadtkern.seed")
DEMO_ADMIN_PASSWORD = "stadtkern-demo-only"  # noqa: S105 - printed in the README; dev only


async def _has_rows(session: AsyncSession, spec: ModuleSpec) -> bool:
    """Whether any of the module's tables holds a row of the session's city.

    Demo data is loaded into an empty module only: every restart of ``make run`` seeds again,
    and a seed that ran before (or a city that already entered its own data) must not double.
    """
    for model in spec.models:
        if not (isinstance(model, type) and issubclass(model, TenantScoped)):
            continue
        if await session.scalar(select(literal(1)).select_from(model).limit(1)) is not None:
            return True
    return False


def seed_context(plan: Plan, city: str, module_id: str, session: AsyncSession, secret_key: str) -> SeedContext[Any]:
    """What a module's seed hook gets for ``city``, on a session already bound to that city."""
    tenant = plan.tenants[city]
    enabled = tenant.modules[module_id]
    port = plan.ports.get("push") or UnavailablePush()
    return SeedContext(
        module_id=module_id,
        tenant=tenant.info,
        settings=enabled.settings,
        session=session,
        push=BoundPush(port, session, tenant.info),
        keys=ModuleKeys(module_id, secret_key),
    )


async def seed_all(settings: Settings) -> None:
    """Demo data for every demo city: the demo admin, then each enabled module's seed into an empty module.

    Only cities the manifest marks ``demo = true``, and never in production: the demo admin's
    password is printed in the README, and demo events in a real city's app would be published.
    """
    if settings.env == "production":
        raise StartupError("demo data is for the embedded default (STADTKERN_ENV=dev), not for production")
    plan = build_plan(load_manifest(settings.manifest_path))
    engine = create_unpooled_engine(settings.database_url)
    try:
        factory = session_factory(engine)
        for slug, tenant in plan.tenants.items():
            if not tenant.demo:
                log.info("not a demo city: no demo data", extra={"city": slug})
                continue
            async with factory() as session, session.begin():
                await ensure_city_admin(session, slug, f"admin@{slug}.example", "Demo Admin", DEMO_ADMIN_PASSWORD)
            async with sessions_for_city(factory, slug)() as session, session.begin():
                for mid, enabled in tenant.modules.items():
                    if enabled.spec.seed is None or await _has_rows(session, enabled.spec):
                        continue
                    await enabled.spec.seed(seed_context(plan, slug, mid, session, settings.secret_key))
            log.info("demo data loaded", extra={"city": slug})
    finally:
        await engine.dispose()
