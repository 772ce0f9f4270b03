"""The push port: what a module calls to notify residents. The ``push`` package implements it.

``notify`` writes an outbox row on the caller's session, inside the caller's transaction:
rollback, and nothing is ever sent; commit, and the worker will deliver it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, Literal, Protocol

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from core.api.context import TenantInfo

from schemas import LocalizedText


class Audience(msgspec.Struct, frozen=True, omit_defaults=True):
    """Narrows a topic: only subscribers who chose one of these districts/categories (empty: all)."""

    districts: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # Exactly these devices (e.g. those who marked an event as favourite), still subject to opt-in.
    device_ids: tuple[uuid.UUID, ...] = ()


class Notification(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A push message to the subscribers of ``topic`` (narrowed by ``audience``), in their languages."""

    topic: str
    title: LocalizedText
    body: LocalizedText
    deep_link: str | None = None
    data: dict[str, str] = msgspec.field(default_factory=dict)
    priority: Literal["normal", "high"] = "normal"
    collapse_key: str | None = None
    ttl_seconds: int = 86_400
    not_before: dt.datetime | None = None
    audience: Audience = Audience()


class PushPort(Protocol):
    """``tenant`` carries the city's push topics (``TenantInfo.push_topics``) and its push settings."""

    async def notify(self, session: AsyncSession, tenant: TenantInfo, notification: Notification) -> uuid.UUID: ...


class UnavailablePush:
    """Used when no push provider is installed: a notify call fails loudly instead of vanishing."""

    async def notify(self, session: AsyncSession, tenant: TenantInfo, notification: Notification) -> uuid.UUID:
        raise RuntimeError("no push provider is installed; install the stadtkern distribution with push/")


class BoundPush:
    """The facade a module sees in its context: city and session already bound."""

    def __init__(self, port: PushPort, session: AsyncSession | None, tenant: TenantInfo) -> None:
        self._port = port
        self._session = session
        self._tenant = tenant

    async def notify(self, notification: Notification, session: AsyncSession | None = None) -> uuid.UUID:
        use = session or self._session
        if use is None:
            raise RuntimeError("notify needs the session of the transaction that makes the change")
        return await self._port.notify(use, self._tenant, notification)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._port, name)
