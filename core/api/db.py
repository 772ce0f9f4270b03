"""Models and repositories for modules: every row carries its city, and every query filters by it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

__all__ = [
    "Base",
    "TenantOwned",
    "TenantRepository",
    "metadata",
    "record_deletion",
    "utcnow",
]

ModelT = TypeVar("ModelT", bound="TenantOwned")

# One metadata for the core, push and all modules; each lineage migrates only its own tables.
metadata = orm_registry.metadata


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(UUIDv7AuditBase):
    """UUIDv7 primary key, ``created_at`` and ``updated_at`` (bumped on every change, for delta sync)."""

    __abstract__ = True


class TenantOwned(Base):
    """Base of every city-owned row: the ``tenant_id`` column is what tenant isolation filters on."""

    __abstract__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[str]:
        return mapped_column(String(63), index=True, nullable=False)


class TenantRepository(SQLAlchemyAsyncRepository[ModelT], Generic[ModelT]):
    """advanced-alchemy's repository, pinned to one city.

    Every read, ``get``, ``update`` and ``delete`` goes through the base statement, which is
    filtered by ``tenant_id``; ``add`` stamps the city onto new rows and refuses another city's.
    Bulk operations that bypass the base statement are refused rather than silently unscoped.
    """

    tenant_id: str

    def __init__(self, *, session: AsyncSession, tenant_id: str, **kwargs: Any) -> None:
        model: Any = self.model_type
        super().__init__(session=session, statement=select(model).where(model.tenant_id == tenant_id), **kwargs)
        self.tenant_id = tenant_id

    @classmethod
    def for_model(cls, model: type[Any], session: AsyncSession, tenant_id: str) -> TenantRepository[Any]:
        repo_cls = _REPOSITORIES.get(model)
        if repo_cls is None:
            repo_cls = type(f"{model.__name__}Repository", (cls,), {"model_type": model})
            _REPOSITORIES[model] = repo_cls
        return repo_cls(session=session, tenant_id=tenant_id)

    def _stamp(self, item: ModelT) -> ModelT:
        current = getattr(item, "tenant_id", None)
        if current is not None and current != self.tenant_id:
            raise PermissionError(f"row belongs to {current!r}, repository to {self.tenant_id!r}")
        item.tenant_id = self.tenant_id
        return item

    async def add(self, data: ModelT, **kwargs: Any) -> ModelT:
        return await super().add(self._stamp(data), **kwargs)

    async def add_many(self, data: list[ModelT], **kwargs: Any) -> Any:
        return await super().add_many([self._stamp(item) for item in data], **kwargs)

    async def upsert(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("upsert is not tenant-scoped; get() then update() or add()")

    async def upsert_many(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("upsert_many is not tenant-scoped")

    async def update_many(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("update_many is not tenant-scoped; update rows one by one")

    async def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("delete_many is not tenant-scoped; delete rows one by one")


_REPOSITORIES: dict[type[Any], type[TenantRepository[Any]]] = {}


async def record_deletion(session: AsyncSession, tenant_id: str, resource: str, item_id: Any) -> None:
    """Leave a tombstone so that ``?since=`` delta sync tells apps the item is gone.

    Call it in the same transaction as the delete; ``resource`` is ``"<module>.<kind>"``.
    """
    from core.models import Tombstone

    session.add(Tombstone(tenant_id=tenant_id, resource=resource, item_id=str(item_id), deleted_at=utcnow()))
