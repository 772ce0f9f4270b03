"""The core's own tables (lineage ``core``): devices, staff, job runs; tombstones live in ``core.api.db``."""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api.db import Base, TenantOwned, Tombstone  # noqa: F401 - re-exported: the core lineage owns its table


class Device(TenantOwned):
    """One app install. It is the resident's identity: no name, no e-mail, no phone number."""

    __tablename__ = "core_device"

    platform: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    app_version: Mapped[str] = mapped_column(String(32))
    push_token: Mapped[str | None] = mapped_column(String(4096), default=None, nullable=True)
    push_token_active: Mapped[bool] = mapped_column(default=True)
    # Bumped to revoke every credential issued before (e.g. when the app reinstalls).
    credential_version: Mapped[int] = mapped_column(Integer, default=1)


class StaffAccount(Base):
    """A city employee. Accounts are global; what they may do is granted per city and module."""

    __tablename__ = "core_staff_account"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class StaffGrant(TenantOwned):
    """``role`` for ``module_id`` in one city; ``module_id = "*"`` means every module of that city."""

    __tablename__ = "core_staff_grant"
    __table_args__ = (UniqueConstraint("staff_id", "tenant_id", "module_id", name="uq_core_staff_grant"),)

    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("core_staff_account.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))


class StaffSession(TenantOwned):
    """One sign-in; its id is the staff token's ``sid``. ``tenant_id`` is the city it was opened in
    and the only city whose roles the token carries. No address, no user agent, no last-seen."""

    __tablename__ = "core_staff_session"

    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("core_staff_account.id", ondelete="CASCADE"), index=True)
    # indexed: sign-in deletes every expired session (no job needed to keep the table small)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class StaffInvitation(TenantOwned):
    """An offer of ``grants`` in one city to whoever holds ``email``; only the token's SHA-256 is kept."""

    __tablename__ = "core_staff_invitation"

    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    grants: Mapped[dict[str, str]] = mapped_column(JSON)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("core_staff_account.id", ondelete="SET NULL"), nullable=True
    )


class JobRun(Base):
    """One run of a scheduled job, written by the leading worker (ops can see what ran where)."""

    __tablename__ = "core_job_run"

    job_key: Mapped[str] = mapped_column(String(128), index=True)
    worker_id: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default="running")
