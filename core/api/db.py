"""Models and repositories for modules: every row carries its city (``core.api.tenancy`` filters by it)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Index, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

__all__ = [
    "Base",
    "TenantOwned",
    "TenantRepository",
    "TenantScoped",
    "Tombstone",
    "metadata",
    "record_deletion",
    "utcnow",
]

ModelT = TypeVar("ModelT", bound="TenantOwned")

# One metadata for the core, push and all modules; each lineage migrates only its own tables.
metadata = orm_registry.metadata


def utcnow() -> dt.datetime:
    """The current moment, timezone-aware in UTC (what every timestamp column stores)."""
    return dt.datetime.now(dt.UTC)


class Base(UUIDv7AuditBase):
    """UUIDv7 primary key, ``created_at`` and ``updated_at`` (bumped on every change, for delta sync)."""

    __abstract__ = True


class TenantScoped:
    """Mixin with the ``tenant_id`` column that tenant isolation filters on (``core.api.tenancy``).

    Use it directly only for rows that must not carry ``Base``'s ordered ids and audit timestamps
    (participation's anonymous responses); everything else derives from :class:`TenantOwned`.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[str]:
        """The city the row belongs to (its manifest slug); stamped by the city's session."""
        return mapped_column(String(63), index=True, nullable=False)


class TenantOwned(TenantScoped, Base):
    """Base of every city-owned row: ``Base`` plus the city's ``tenant_id``."""

    __abstract__ = True


class TenantRepository(SQLAlchemyAsyncRepository[ModelT], Generic[ModelT]):
    """advanced-alchemy's repository on a session bound to one city (see ``core.api.tenancy``).

    The session limits every statement the repository runs to the city and stamps new rows, so
    the repository needs no filter of its own; it refuses a session that is not bound to a city.
    """

    def __init__(self, *, session: AsyncSession, **kwargs: Any) -> None:
        from core.api.tenancy import CITY_KEY

        if session.info.get(CITY_KEY) is None:
            raise PermissionError("TenantRepository needs a session bound to a city (ctx.session)")
        super().__init__(session=session, **kwargs)

    @classmethod
    def for_model(cls, model: type[Any], session: AsyncSession) -> TenantRepository[Any]:
        """The repository of ``model`` on ``session`` (one class per model, made once)."""
        repo_cls = _REPOSITORIES.get(model)
        if repo_cls is None:
            repo_cls = type(f"{model.__name__}Repository", (cls,), {"model_type": model})
            _REPOSITORIES[model] = repo_cls
        return repo_cls(session=session)


_REPOSITORIES: dict[type[Any], type[TenantRepository[Any]]] = {}


class Tombstone(TenantOwned):
    """A deleted item, kept for delta sync until the retention period ends (lineage ``core``)."""

    __tablename__ = "core_tombstone"
    __table_args__ = (Index("ix_core_tombstone_sync", "tenant_id", "resource", "deleted_at"),)

    resource: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


async def record_deletion(session: AsyncSession, resource: str, item_id: Any) -> None:
    """Leave a tombstone so that ``?since=`` delta sync tells apps the item is gone.

    Call it in the same transaction as the delete, on the city's session (it stamps the city);
    ``resource`` is ``"<module>.<kind>"``.
    """
    session.add(Tombstone(resource=resource, item_id=str(item_id), deleted_at=utcnow()))
