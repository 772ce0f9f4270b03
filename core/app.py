"""The app factory: one Litestar app serving every city in the manifest."""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from litestar import Litestar, Request, Router
from litestar.config.app import AppConfig
from litestar.config.cors import CORSConfig
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.plugins.prometheus import PrometheusConfig
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from core.api.context import AppContext, ModuleContext
from core.api.guards import is_auth_guard
from core.api.i18n import parse_accept_language
from core.api.keys import ModuleKeys
from core.api.limits import RateLimits
from core.api.paging import configure_sync_tokens
from core.api.push import PushPort, UnavailablePush
from core.api.tenancy import sessions_for_city
from core.auth.tokens import build_auth
from core.db import Timeouts, create_engine, session_factory
from core.device_data import check_device_data
from core.errors import StartupError
from core.http.compression import CompressionMiddleware
from core.http.created import CityResponse, check_created_routes
from core.http.etag import ETagMiddleware
from core.http.head import HeadAsGetMiddleware
from core.http.input_guard import InputGuardMiddleware
from core.http.problem_docs import document_problems
from core.http.problems import exception_handlers
from core.http.rate_limit import Limiter, RateLimitMiddleware, client_address
from core.loader import Plan, build_plan
from core.manifest import Manifest, load_manifest
from core.metrics import city_label, know_cities
from core.migrate import pending, upgrade
from core.observability import RequestIdMiddleware
from core.routes import app_config, devices, health, staff
from core.routes.deps import current_tenant, provide_locales, provide_tenant
from core.routes.operator import docs_asset_routes, metrics_routes, openapi_config
from core.settings import Settings, load_settings

log = logging.getLogger("stadtkern.app")
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def _freeze_startup_heap() -> None:
    """Move everything alive after start-up (modules, routes, ORM mappers, ...) out of the garbage
    collector's sight. Those objects live as long as the process, yet every full collection walked
    all of them: on a cached events list that was a third of the request's CPU (``gc.freeze``)."""
    gc.collect()
    gc.freeze()


async def _city_and_module(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """404 for an unknown city, and for a module route of a module the city has not enabled.

    One guard for both: Litestar copies the route handler for every guard call on every request.
    """
    tenant = current_tenant(connection)  # type: ignore[arg-type]
    module_id = handler.opt.get("module_id")
    if module_id is not None and module_id not in tenant.modules:
        raise NotFoundException(detail=f"module {module_id!r} is not enabled for this city")


async def _end(session: AsyncSession, *, failed: bool) -> None:
    """The end of a request's session, after the handler and BEFORE the response is sent, so a
    failed commit becomes an error response instead of a 2xx for data that was not stored.

    No transaction, no commit. A commit that fails is rolled back before raising, so the connection
    goes back to the pool clean (SQLite keeps a transaction, and its write lock, after a COMMIT
    refused by a deferred constraint)."""
    try:
        if failed:
            await session.rollback()
        elif session.in_transaction():
            try:
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
    finally:
        await session.close()


def _context_provider(
    module_id: str, port: PushPort, keys: ModuleKeys, city_factories: dict[str, async_sessionmaker[AsyncSession]]
) -> Callable[..., AsyncIterator[ModuleContext[Any]]]:
    async def provide_ctx(request: Request[Any, Any, Any]) -> AsyncIterator[ModuleContext[Any]]:
        tenant = current_tenant(request)
        ctx: ModuleContext[Any] = ModuleContext(
            module_id=module_id,
            tenant=tenant.info,
            settings=tenant.modules[module_id].settings,
            session_factory=city_factories[tenant.slug],
            locales=parse_accept_language(request.headers.get("accept-language"), tenant.info.locales),
            port=port,
            keys=keys,
            user=request.scope.get("user"),
            limits=RateLimits(request.app.state.limiter, client_address(cast(Any, request.scope)), tenant.slug),
        )
        try:
            yield ctx
        except BaseException:
            if ctx.opened_session is not None:
                await _end(ctx.opened_session, failed=True)
            raise
        if ctx.opened_session is not None:
            await _end(ctx.opened_session, failed=False)

    return provide_ctx


def _check_write_routes(app: Litestar) -> None:
    """Auth on every write route, enforced at start-up rather than hoped for in review."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = set(getattr(handler, "http_methods", set())) - READ_METHODS
            if not methods or handler.opt.get("anonymous_write"):
                continue
            if not any(is_auth_guard(g) for g in handler.resolve_guards()):
                raise StartupError(
                    f"route {sorted(methods)} {route.path} has no auth guard; use require_staff/require_device "
                    "from core.api.guards"
                )


def _module_routers(
    plan: Plan, port: PushPort, secret_key: str, factory: async_sessionmaker[AsyncSession]
) -> list[Router]:
    routers: list[Router] = []
    # Made once per city, not per request: every module session of a request is bound to its city.
    city_factories = {slug: sessions_for_city(factory, slug) for slug in plan.tenants}
    for mid, spec in plan.specs.items():
        provider = _context_provider(mid, port, ModuleKeys(mid, secret_key), city_factories)
        shared: dict[str, Any] = {
            "opt": {"module_id": mid},
            "dependencies": {"ctx": Provide(provider)},
            "tags": [mid],
        }
        if spec.route_handlers:
            routers.append(Router(path=f"/{mid}", route_handlers=list(spec.route_handlers), **shared))
        if spec.tenant_route_handlers:
            routers.append(Router(path="/", route_handlers=list(spec.tenant_route_handlers), **shared))
    return routers


def _module_titles(plan: Plan) -> dict[str, str]:
    """Each module's title (English where given) describes its tag in the OpenAPI document."""
    return {mid: spec.title.get("en") or next(iter(spec.title.values()), mid) for mid, spec in plan.specs.items()}


def _auth_innermost(auth: Any) -> Callable[[AppConfig], AppConfig]:
    """Litestar puts the auth middleware outermost; we move it inside rate limiting and request ids,
    so a request with a garbage token is still counted, logged and answered with a request id."""

    def on_app_init(app_config: AppConfig) -> AppConfig:
        app_config = auth.on_app_init(app_config)
        middleware = app_config.middleware.pop(0)
        app_config.middleware.append(middleware)
        return app_config

    return on_app_init


def _lifespan(
    settings: Settings,
    plan: Plan,
    engine: AsyncEngine,
    port: PushPort,
    *,
    auto_migrate: bool,
    run_scheduler: bool,
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Start-up: schema current (or migrated in dev), module hooks, the embedded scheduler; shutdown
    in reverse order."""
    factory = session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if auto_migrate:
            await upgrade(engine, plan)
        behind = await pending(engine, plan)
        if behind:
            raise StartupError(f"database schema is behind for {', '.join(behind)}; run `stadtkern migrate` first")
        contexts = {
            mid: AppContext(
                module_id=mid,
                tenants=[t.info for t in plan.tenants.values() if mid in t.modules],
                keys=ModuleKeys(mid, settings.secret_key),
                settings_by_tenant={s: t.modules[mid].settings for s, t in plan.tenants.items() if mid in t.modules},
                engine=engine,
            )
            for mid in plan.specs
        }
        for mid, spec in plan.specs.items():
            for hook in spec.on_startup:
                await hook(contexts[mid])
        scheduler = None
        if run_scheduler:
            from core.scheduler import EmbeddedWorker

            scheduler = EmbeddedWorker(settings, plan, factory, port)
            await scheduler.start()
        if settings.env != "test":  # tests create many apps in one process; freezing would keep their cycles
            _freeze_startup_heap()
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop()
            for mid, spec in reversed(plan.specs.items()):
                for hook in spec.on_shutdown:
                    await hook(contexts[mid])
            await engine.dispose()

    return lifespan


def _tenant_router(plan: Plan, port: PushPort, secret_key: str, factory: async_sessionmaker[AsyncSession]) -> Router:
    """``/v1/{tenant}``: the core's own routes, then every module's."""
    return Router(
        path="/v1/{tenant:str}",
        guards=[_city_and_module],
        response_class=CityResponse,
        dependencies={"city": Provide(provide_tenant), "locales": Provide(provide_locales)},
        route_handlers=[
            app_config.app_config,
            devices.register_device,
            devices.read_device,
            devices.update_device,
            devices.delete_device,
            devices.export_device,
            *staff.ROUTES,
            *_module_routers(plan, port, secret_key, factory),
        ],
    )


def _db_session_provider(factory: async_sessionmaker[AsyncSession]) -> Callable[[], AsyncIterator[AsyncSession]]:
    async def provide_db_session() -> AsyncIterator[AsyncSession]:
        """The request's session for the core's own routes (modules get theirs through ``ctx``);
        advanced-alchemy's before-send autocommit would log a failed commit and still send the 2xx."""
        session = factory()
        try:
            yield session
        except BaseException:
            await _end(session, failed=True)
            raise
        await _end(session, failed=False)

    return provide_db_session


def _tenant_label(request: Request[Any, Any, Any]) -> str:
    params = request.path_params  # city routes say {tenant}; staff routes outside them {city}
    return city_label(params.get("tenant") or params.get("city"))


def _middleware(settings: Settings, limiter: Limiter) -> list[Any]:
    """Outermost first: the client address is resolved before anything reads it; the metrics see
    the status the client gets (a 304 of the ETag layer, a 429 of the rate limit); compression sees
    the final body, the ETag layer the uncompressed one."""
    prometheus = PrometheusConfig(
        app_name="stadtkern",
        prefix="stadtkern",
        group_path=True,
        exclude=["/metrics", "/health"],
        labels={"tenant": _tenant_label},
    )
    proxies = [DefineMiddleware(cast(Any, ProxyHeadersMiddleware), trusted_hosts=list(settings.trusted_proxies))]
    return [
        *(proxies if settings.trusted_proxies else []),
        prometheus.middleware,
        cast(Any, CompressionMiddleware),
        cast(Any, ETagMiddleware),
        DefineMiddleware(
            cast(Any, RateLimitMiddleware),
            limiter=limiter,
            limit=settings.rate_limit_per_minute,
            exclude=("/health", "/metrics", "/schema"),
        ),
        DefineMiddleware(cast(Any, InputGuardMiddleware), max_body_bytes=settings.max_body_bytes),
    ]


def create_app(
    settings: Settings | None = None,
    manifest: Manifest | None = None,
    *,
    migrate_on_start: bool | None = None,
    run_scheduler: bool = False,
) -> Litestar:
    """One Litestar app serving every city of the manifest (checked and wired at start-up)."""
    settings = settings or load_settings()
    manifest = manifest or load_manifest(settings.manifest_path)
    plan = build_plan(manifest)
    know_cities(manifest.tenants)
    check_device_data(plan)
    configure_sync_tokens(settings.secret_key, dt.timedelta(days=settings.tombstone_retention_days))
    port: PushPort = plan.ports.get("push") or UnavailablePush()
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        timeouts=Timeouts(settings.db_connect_timeout, settings.db_statement_timeout, settings.db_pool_timeout),
    )
    factory = session_factory(engine)
    auth = build_auth(settings.secret_key)
    limiter = Limiter(settings.redis_url, settings.secret_key)
    auto_migrate = settings.env == "dev" if migrate_on_start is None else migrate_on_start
    tenant_router = _tenant_router(plan, port, settings.secret_key, factory)
    app = Litestar(
        route_handlers=[
            tenant_router,
            health.live,
            health.ready,
            *metrics_routes(settings),
            *docs_asset_routes(settings),
        ],
        dependencies={"db_session": Provide(_db_session_provider(factory))},
        on_app_init=[_auth_innermost(auth)],
        middleware=_middleware(settings, limiter),
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins)) if settings.cors_origins else None,
        exception_handlers=exception_handlers,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=openapi_config(settings, _module_titles(plan)),
        lifespan=[_lifespan(settings, plan, engine, port, auto_migrate=auto_migrate, run_scheduler=run_scheduler)],
        debug=False,
        logging_config=None,  # ours (JSON, request id) from core.observability, not Litestar's default
    )
    app.asgi_handler = cast(Any, RequestIdMiddleware(HeadAsGetMiddleware(cast(Any, app.asgi_handler))))
    app.state.settings = settings
    app.state.plan = plan
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.auth = auth
    app.state.limiter = limiter
    app.state.push = port
    _check_write_routes(app)
    check_created_routes(app)
    document_problems(app)
    return app
