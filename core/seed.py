"""Demo data for the embedded default: each enabled module's ``seed`` hook, once per city."""

from __future__ import annotations

import logging

from core.api.context import SeedContext
from core.api.keys import ModuleKeys
from core.api.push import BoundPush, UnavailablePush
from core.api.tenancy import sessions_for_city
from core.db import create_unpooled_engine, session_factory
from core.loader import build_plan
from core.manifest import load_manifest
from core.settings import Settings
from core.staff import ensure_city_admin

log = logging.getLogger("stadtkern.seed")
DEMO_ADMIN_PASSWORD = "stadtkern-demo-only"  # noqa: S105 - printed in the README; dev only


async def seed_all(settings: Settings) -> None:
    plan = build_plan(load_manifest(settings.manifest_path))
    port = plan.ports.get("push") or UnavailablePush()
    engine = create_unpooled_engine(settings.database_url)
    try:
        factory = session_factory(engine)
        for slug, tenant in plan.tenants.items():
            async with factory() as session, session.begin():
                await ensure_city_admin(session, slug, f"admin@{slug}.example", "Demo Admin", DEMO_ADMIN_PASSWORD)
            async with sessions_for_city(factory, slug)() as session, session.begin():
                for mid, enabled in tenant.modules.items():
                    if enabled.spec.seed is None:
                        continue
                    await enabled.spec.seed(
                        SeedContext(
                            module_id=mid,
                            tenant=tenant.info,
                            settings=enabled.settings,
                            session=session,
                            push=BoundPush(port, session, tenant.info),
                            keys=ModuleKeys(mid, settings.secret_key),
                        )
                    )
            log.info("demo data loaded", extra={"city": slug})
    finally:
        await engine.dispose()
