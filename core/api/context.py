"""What a module receives at run time: its city, its settings, a session, the push facade."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar
from zoneinfo import ZoneInfo

from litestar.di import NamedDependency
from litestar.params import SkipValidation
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.api.contract import DiscussionSubject, PushTopic

if TYPE_CHECKING:
    from core.api.db import TenantOwned, TenantRepository
    from core.api.keys import ModuleKeys
    from core.api.limits import RateLimits
    from core.api.push import BoundPush, PushPort

SettingsT = TypeVar("SettingsT")
ModelT = TypeVar("ModelT", bound="TenantOwned")


@dataclass(frozen=True, slots=True)
class TenantInfo:
    """A city as modules see it."""

    slug: str
    name: str
    locales: tuple[str, ...]
    time_zone: ZoneInfo
    push_backend: str = "log"
    # Name of the environment variable with the city's Firebase service-account JSON (never the JSON).
    push_credentials_env: str | None = None
    # Every push topic this city offers: those of the modules it enables, in load order.
    push_topics: tuple[PushTopic, ...] = ()
    # Every kind of item residents may discuss: those of the modules it enables.
    discussion_subjects: tuple[DiscussionSubject, ...] = ()

    def topic(self, topic_id: str) -> PushTopic | None:
        return next((t for t in self.push_topics if t.id == topic_id), None)

    def discussion_subject(self, subject_id: str) -> DiscussionSubject | None:
        """The city's kind of discussable item with this id, if a module it enables declares one."""
        return next((s for s in self.discussion_subjects if s.id == subject_id), None)


def engine_of(factory: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine a session factory binds to (modules ask their context's ``engine`` instead)."""
    engine = factory.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        raise TypeError("the session factory must be bound to an AsyncEngine")
    return engine


class ModuleContext(Generic[SettingsT]):
    """Per request, for a module's handlers (inject it as ``ctx: RequestContext[S]``).

    ``session`` and ``session_factory`` are bound to the request's city (``core.api.tenancy``):
    every ORM statement sees and writes only that city's rows.

    The database session is opened on first use of ``session`` (or ``push``/``repository``): a
    read served from a module's own cache costs no session. The core commits an opened session
    after the handler returns and before the response is sent (rolls it back on error).

    A plain class, not a dataclass: Litestar validates injected values with msgspec, which would
    otherwise inspect (and rebuild) every field on every request.
    """

    __slots__ = (
        "_port",
        "_push",
        "_session",
        "keys",
        "limits",
        "locales",
        "module_id",
        "session_factory",
        "settings",
        "tenant",
        "user",
    )

    def __init__(
        self,
        *,
        module_id: str,
        tenant: TenantInfo,
        settings: SettingsT,
        session_factory: async_sessionmaker[AsyncSession],
        locales: tuple[str, ...],
        port: PushPort,
        keys: ModuleKeys,
        user: Any = None,
        limits: RateLimits | None = None,
    ) -> None:
        self.module_id = module_id
        self.tenant = tenant
        self.settings = settings
        self.session_factory = session_factory
        self.locales = locales
        self.keys = keys
        self.user = user
        # Named budgets for costly routes (``core.api.limits``); None outside a request.
        self.limits = limits
        self._port = port
        self._session: AsyncSession | None = None
        self._push: BoundPush | None = None

    @property
    def session(self) -> AsyncSession:
        """The request's session (one per request, opened now if not yet)."""
        if self._session is None:
            self._session = self.session_factory()
        return self._session

    @property
    def opened_session(self) -> AsyncSession | None:
        """The session if the handler opened one (for the core's commit), else None."""
        return self._session

    @property
    def engine(self) -> AsyncEngine:
        """The process's database engine, NOT bound to a city: for process-wide caches that key
        their own tables by city (events' list version). Prefer ``session`` for everything else."""
        return engine_of(self.session_factory)

    @property
    def push(self) -> BoundPush:
        """``notify()`` into the request's transaction (rollback: nothing is sent)."""
        if self._push is None:
            from core.api.push import BoundPush

            self._push = BoundPush(self._port, self.session, self.tenant)
        return self._push

    def repository(self, model: type[ModelT]) -> TenantRepository[ModelT]:
        """A repository for ``model`` that only ever sees this city's rows."""
        from core.api.db import TenantRepository

        return TenantRepository.for_model(model, self.session)


# How a handler asks for its context: ``ctx: RequestContext[MySettings]``. The context is built by
# the core, so Litestar's signature model has nothing to validate in it.
RequestContext: TypeAlias = NamedDependency[SkipValidation[ModuleContext[SettingsT]]]


@dataclass(slots=True)
class JobContext(Generic[SettingsT]):
    """Per run of a scheduled job, for one city. ``session_factory`` opens sessions bound to it."""

    module_id: str
    job_id: str
    tenant: TenantInfo
    settings: SettingsT
    session_factory: async_sessionmaker[AsyncSession]
    push: BoundPush
    log: logging.Logger
    keys: ModuleKeys


@dataclass(slots=True)
class SeedContext(Generic[SettingsT]):
    """For loading demo data into one city of the embedded default (``make run``); ``session`` is
    bound to the city."""

    module_id: str
    tenant: TenantInfo
    settings: SettingsT
    session: AsyncSession
    push: BoundPush
    keys: ModuleKeys


@dataclass(slots=True)
class DeviceContext(Generic[SettingsT]):
    """For a module's ``DeviceData`` hooks: the device whose data is exported or deleted, and the
    request's session, bound to the device's city."""

    module_id: str
    tenant: TenantInfo
    settings: SettingsT
    session: AsyncSession
    device_id: uuid.UUID
    keys: ModuleKeys


@dataclass(slots=True)
class AppContext:
    """For start-up and shutdown hooks: the cities that enable the module, their settings, and the
    process's engine (not bound to a city: hooks serve every city; see ``core.api.all_cities``)."""

    module_id: str
    tenants: Sequence[TenantInfo]
    keys: ModuleKeys
    settings_by_tenant: dict[str, Any] = field(default_factory=dict)
    engine: AsyncEngine | None = None
