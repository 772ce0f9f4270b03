"""Process settings, only from the environment (``STADTKERN_*``); secrets never live in files."""

from __future__ import annotations

import ipaddress
import os
import secrets
from typing import Literal

import msgspec

from core.errors import StartupError

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./stadtkern.db"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Literal["dev", "production", "test"] = "production"
    database_url: str = DEFAULT_SQLITE_URL
    manifest_path: str = "module_manifest.toml"
    secret_key: str
    redis_url: str | None = None
    cors_origins: tuple[str, ...] = ()
    rate_limit_per_minute: int = 300
    # Operator surfaces (core.routes.operator): the OpenAPI UI (None: public except in production)
    # and the bearer token Prometheus scrapes /metrics with (required in production).
    public_docs: bool | None = None
    metrics_token: str | None = None
    # Addresses or networks of the reverse proxies in front of the API (comma-separated in
    # STADTKERN_TRUSTED_PROXIES). Only a connection from one of them may name the client in
    # X-Forwarded-For; empty: the connection's own address is the client (no proxy trusted).
    trusted_proxies: tuple[str, ...] = ()
    # Budgets of the costly routes (per 15 minutes / per hour); mobile carriers put many phones
    # behind one address, so the per-address figures are generous.
    sign_in_per_account: int = 10
    sign_in_per_address: int = 60
    device_registrations_per_address_hour: int = 120
    max_body_bytes: int = 1_048_576
    staff_token_hours: int = 8
    device_token_days: int = 3650
    tombstone_retention_days: int = 90
    job_run_retention_days: int = 7
    log_level: str = "INFO"
    log_json: bool = True
    worker_id: str = ""
    maintenance_interval_seconds: int = 3600
    leader_poll_seconds: float = 5.0
    # Connections kept open per process (PostgreSQL). Below the number of requests a process serves
    # at once, every request beyond it opened and closed a connection of its own (TLS attempt,
    # authentication, type introspection: milliseconds each).
    db_pool_size: int = 20
    db_max_overflow: int = 10
    # Upper bounds on a request's waits (seconds); beyond them it is a 503 with Retry-After.
    db_connect_timeout: float = 5.0
    db_statement_timeout: float = 15.0
    db_pool_timeout: float = 3.0
    health_timeout: float = 2.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_LISTS = ("cors_origins", "trusted_proxies")
# The key `make run` uses, printed in the Makefile and README: anyone can forge tokens with it.
PUBLISHED_DEV_KEY = "dev-only-not-secret-stadtkern-embedded-default"


def _check_secret(secret: str) -> None:
    """Production's key must be long, not a published one, and not a pattern (one character repeated,
    a word typed twice): it signs every device's and staff member's token and keys the survey markers."""
    if len(secret) < 32:
        raise StartupError("STADTKERN_SECRET_KEY is too short; production needs 32+ characters")
    if secret == PUBLISHED_DEV_KEY or "dev-only" in secret or "not-secret" in secret:
        raise StartupError(
            "STADTKERN_SECRET_KEY is the published development key; generate one: openssl rand -base64 48"
        )
    if len(set(secret)) < 12:
        raise StartupError(
            "STADTKERN_SECRET_KEY is too weak (fewer than 12 different characters); "
            "generate one: openssl rand -base64 48"
        )


def _check_proxies(proxies: tuple[str, ...]) -> None:
    for entry in proxies:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise StartupError(
                f"STADTKERN_TRUSTED_PROXIES: {entry!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None


def _env(name: str) -> str | None:
    value = os.environ.get(f"STADTKERN_{name}")
    return value if value not in (None, "") else None


def load_settings(**overrides: object) -> Settings:
    """Read ``STADTKERN_*``; outside dev and test a missing secret stops start-up."""
    raw: dict[str, object] = {}
    for field in Settings.__struct_fields__:
        value = _env(field.upper())
        if value is not None:
            raw[field] = [v.strip() for v in value.split(",")] if field in _LISTS else value
    raw.update(overrides)
    env = raw.get("env", "production")
    if "secret_key" not in raw:
        if env == "production":
            raise StartupError("STADTKERN_SECRET_KEY is not set; production needs a secret of 32+ characters")
        # dev and test: a fresh key per process; credentials issued before a restart become invalid.
        raw["secret_key"] = secrets.token_urlsafe(32)
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise StartupError(f"environment: {exc}") from None
    _check_proxies(settings.trusted_proxies)
    if settings.env == "production":
        _check_secret(settings.secret_key)
    return settings
