"""The module contract: what a module declares, and what the core wires for it.

A module never touches the Litestar app itself. It exports one frozen :class:`ModuleSpec` through
the entry-point group ``stadtkern.modules`` and ships a static ``module.toml`` next to it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from litestar.types import ControllerRouterHandler

from schemas import LocalizedText

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.api.context import AppContext, DeviceContext, JobContext, SeedContext

ENTRY_POINT_GROUP = "stadtkern.modules"
MODULE_ID = re.compile(r"^[a-z][a-z0-9_]{1,30}$")

# Roles every module understands; a module may define more (e.g. "moderator").
ROLE_ADMIN = "admin"
ROLE_EDITOR = "editor"
BUILTIN_ROLES = (ROLE_ADMIN, ROLE_EDITOR)


@dataclass(frozen=True, slots=True)
class PushTopic:
    """A topic residents can subscribe to; ids are namespaced by the module (``events.reminders``)."""

    id: str
    title: LocalizedText
    default_on: bool = False


@dataclass(frozen=True, slots=True)
class DiscussionSubject:
    """A kind of item of this module that residents may discuss in the dialogue's comment threads.

    The dialogue lives in another module (the Ideenpool's), which cannot import this one: it finds
    the kinds a city has in ``TenantInfo.discussion_subjects``. ``id`` is namespaced by the module
    (``participation.offer``). ``lookup`` answers, for item ids, which of them residents may read
    now (True), which exist but are hidden (False, e.g. a draft); an id it leaves out no longer
    exists, and its thread goes. It runs on a session bound to the request's city, so an item of
    another city is left out like a deleted one.
    """

    id: str
    lookup: Callable[[AsyncSession, Collection[uuid.UUID]], Awaitable[Mapping[uuid.UUID, bool]]]


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A job the worker runs once per city that enables the module.

    ``every_seconds`` makes an interval job, ``cron`` (five crontab fields, in the city's time
    zone) a cron job. ``jitter`` spreads runs so that cities do not all fire at the same second.

    Only the scheduler's leader runs a job, unless ``every_worker`` is set: then every worker
    process runs it, leader or standby. That is for work that claims its rows itself (``SKIP
    LOCKED``, leases), such as the push dispatch: more workers then mean more throughput, and a
    leader hand-over does not pause it.
    """

    id: str
    run: Callable[[JobContext[Any]], Awaitable[None]]
    every_seconds: int | None = None
    cron: str | None = None
    jitter: int = 0
    every_worker: bool = False

    @property
    def kind(self) -> Literal["interval", "cron"]:
        return "interval" if self.every_seconds is not None else "cron"


@dataclass(frozen=True, slots=True)
class DeviceData:
    """What a module keeps about one device, for the resident's one export and one delete
    (``GET /v1/{city}/devices/me/export``, ``DELETE /v1/{city}/devices/me``).

    ``export`` returns something msgspec can encode (a Struct, a dict); ``delete`` removes every
    row the module keeps for the device that no foreign key to ``core_device`` cascades, and
    anything a cascade would leave behind elsewhere. Both run in the request's transaction, on a
    session bound to the device's city.
    """

    export: Callable[[DeviceContext[Any]], Awaitable[Any]]
    delete: Callable[[DeviceContext[Any]], Awaitable[None]]


@dataclass(frozen=True)
class ModuleSpec:
    """Everything a module contributes. The core mounts, migrates, schedules and configures it.

    One source per fact: what the loader must know before importing code (version,
    ``requires_core``, ``depends_on``, ``after``, ``roles``, ``always_enabled``) lives only in the
    static ``module.toml``; what needs code (routes, models, jobs, the resident-facing title) lives
    only here.
    """

    id: str
    title: LocalizedText
    route_handlers: Sequence[ControllerRouterHandler] = ()
    settings: type[msgspec.Struct] | None = None
    models: Sequence[type[Any]] = ()
    migrations: Path | None = None
    jobs: Sequence[ScheduledJob] = ()
    push_topics: Sequence[PushTopic] = ()
    on_startup: Sequence[Callable[[AppContext], Awaitable[None]]] = ()
    on_shutdown: Sequence[Callable[[AppContext], Awaitable[None]]] = ()
    seed: Callable[[SeedContext[Any]], Awaitable[None]] | None = None
    # Required when the module keeps anything about a device: the resident's export and delete.
    device_data: DeviceData | None = None
    # Route handlers mounted outside the module prefix, directly under /v1/{tenant}; only for
    # always-on infrastructure modules (push adds /devices/me/subscriptions there).
    tenant_route_handlers: Sequence[ControllerRouterHandler] = ()
    # Implementations of core ports, e.g. {"push": <PushPort>}; at most one provider per port.
    provides: Mapping[str, Any] = field(default_factory=dict)
    # Kinds of this module's items residents may comment on in the dialogue (the Ideenpool's).
    discussion_subjects: Sequence[DiscussionSubject] = ()

    def __post_init__(self) -> None:
        if not MODULE_ID.match(self.id):
            raise ValueError(f"module id {self.id!r} must match {MODULE_ID.pattern}")
        for topic in self.push_topics:
            if not topic.id.startswith(f"{self.id}."):
                raise ValueError(f"push topic {topic.id!r} of module {self.id!r} must start with '{self.id}.'")
        for subject in self.discussion_subjects:
            if not re.fullmatch(rf"{self.id}\.[a-z][a-z0-9_]{{0,30}}", subject.id):
                raise ValueError(
                    f"discussion subject {subject.id!r} of module {self.id!r} must be '{self.id}.<name>' (a-z, 0-9, _)"
                )
        for job in self.jobs:
            if (job.every_seconds is None) == (job.cron is None):
                raise ValueError(f"job {self.id}.{job.id} needs exactly one of every_seconds or cron")
