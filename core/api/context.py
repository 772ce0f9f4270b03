"""What a module receives at run time: its city, its settings, a session, the push facade."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.contract import PushTopic

if TYPE_CHECKING:
    from core.api.db import TenantOwned, TenantRepository
    from core.api.keys import ModuleKeys
    from core.api.push import BoundPush

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

    def topic(self, topic_id: str) -> PushTopic | None:
        return next((t for t in self.push_topics if t.id == topic_id), None)


class ModuleContext(Generic[SettingsT]):
    """Per request, for a module's handlers (inject it as ``ctx: NamedDependency[ModuleContext[S]]``).

    A plain class, not a dataclass: Litestar validates injected values with msgspec, which would
    otherwise inspect (and rebuild) every field on every request.
    """

    __slots__ = ("keys", "locales", "module_id", "push", "session", "settings", "tenant", "user")

    def __init__(
        self,
        *,
        module_id: str,
        tenant: TenantInfo,
        settings: SettingsT,
        session: AsyncSession,
        locales: tuple[str, ...],
        push: BoundPush,
        keys: ModuleKeys,
        user: Any = None,
    ) -> None:
        self.module_id = module_id
        self.tenant = tenant
        self.settings = settings
        self.session = session
        self.locales = locales
        self.push = push
        self.keys = keys
        self.user = user

    def repository(self, model: type[ModelT]) -> TenantRepository[ModelT]:
        """A repository for ``model`` that only ever sees this city's rows."""
        from core.api.db import TenantRepository

        return TenantRepository.for_model(model, self.session, self.tenant.slug)


@dataclass(slots=True)
class JobContext(Generic[SettingsT]):
    """Per run of a scheduled job, for one city. Open sessions with ``session_factory``."""

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
    """For loading demo data into one city of the embedded default (``make run``)."""

    module_id: str
    tenant: TenantInfo
    settings: SettingsT
    session: AsyncSession
    push: BoundPush
    keys: ModuleKeys


@dataclass(slots=True)
class AppContext:
    """For start-up and shutdown hooks: the cities that enable the module, and their settings."""

    module_id: str
    tenants: Sequence[TenantInfo]
    keys: ModuleKeys
    settings_by_tenant: dict[str, Any] = field(default_factory=dict)
    session_factory: async_sessionmaker[AsyncSession] | None = None
