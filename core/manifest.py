"""``module_manifest.toml``: which cities exist, which modules each enables, with what settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from core.errors import StartupError
from schemas import LOCALE_TAG

TENANT_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
# Keys of a module table that belong to the core, not to the module's settings Struct.
RESERVED_MODULE_KEYS = ("version", "min_app_version")


class TenantManifest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    # The languages the city publishes in (language tags, e.g. "de", "tr", "pt-BR"); the first is
    # its primary language: editors must always give it, and residents fall back to it.
    locales: list[str] = msgspec.field(default_factory=lambda: ["de", "en"])
    time_zone: str = "Europe/Berlin"
    push_backend: Literal["log", "fcm"] = "log"
    # Name of the environment variable holding the Firebase service-account JSON (never the JSON).
    push_credentials_env: str | None = None
    min_app_version: str = "1.0.0"
    # A demo city gets the embedded default's demo data and its demo admin with the password the
    # README prints (``stadtkern run`` / ``stadtkern seed``, never in production). A real city is not.
    demo: bool = False
    legal: dict[str, str] = msgspec.field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)


class Manifest(msgspec.Struct, forbid_unknown_fields=True):
    tenants: dict[str, TenantManifest]


def _path_of(error: msgspec.ValidationError, prefix: str = "") -> str:
    """msgspec says ``... - at `$.tenants.x.name```; operators want ``tenants.x.name``."""
    text = str(error)
    match = re.search(r"at `\$\.?([^`]*)`", text)
    where = match.group(1) if match else ""
    where = re.sub(r"\[['\"]?([^\]'\"]+)['\"]?\]", r".\1", where).lstrip(".")
    message = text.split(" - at ")[0]
    full = ".".join(p for p in (prefix, where) if p)
    return f"{full}: {message}" if full else message


def _check_locales(locales: list[str], where: str) -> None:
    if not locales:
        raise StartupError(f"{where}: list at least one language; the first is the city's primary language")
    for index, locale in enumerate(locales):
        if not re.match(LOCALE_TAG, locale):
            raise StartupError(
                f"{where}[{index}]: {locale!r} is not a language tag as in 'de', 'tr' or 'pt-BR' "
                "(language lower case, region upper case)"
            )
        if locale in locales[:index]:
            raise StartupError(f"{where}[{index}]: {locale!r} is listed twice")


def _convert(raw: Any, source: str) -> Manifest:
    """Each city converted on its own: msgspec writes a dict value's position as ``[...]``, and an
    operator needs to know which city's table has the unknown or wrong key."""
    try:
        tenants = raw.get("tenants") if isinstance(raw, dict) else None
        if isinstance(tenants, dict):
            for slug, table in tenants.items():
                try:
                    msgspec.convert(table, TenantManifest)
                except msgspec.ValidationError as exc:
                    raise StartupError(f"{source}: {_path_of(exc, f'tenants.{slug}')}") from None
        return msgspec.convert(raw, Manifest)
    except msgspec.ValidationError as exc:
        raise StartupError(f"{source}: {_path_of(exc)}") from None


def parse_manifest(text: str, source: str = "module_manifest.toml") -> Manifest:
    try:
        raw = msgspec.toml.decode(text)
    except msgspec.DecodeError as exc:
        raise StartupError(f"{source}: not valid TOML ({exc})") from None
    manifest = _convert(raw, source)
    if not manifest.tenants:
        raise StartupError(f"{source}: declares no city under [tenants]")
    for slug, tenant in manifest.tenants.items():
        where = f"tenants.{slug}"
        if not TENANT_SLUG.match(slug):
            raise StartupError(f"{source}: {where}: city slug must match {TENANT_SLUG.pattern}")
        _check_locales(tenant.locales, f"{source}: {where}.locales")
        try:
            ZoneInfo(tenant.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise StartupError(f"{source}: {where}.time_zone: unknown time zone {tenant.time_zone!r}") from None
        if tenant.push_backend == "fcm" and not tenant.push_credentials_env:
            raise StartupError(f"{source}: {where}.push_credentials_env: required when push_backend = 'fcm'")
    return manifest


def load_manifest(path: str | Path) -> Manifest:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise StartupError(f"cannot read the manifest {file}: {exc.strerror}") from None
    return parse_manifest(text, str(file))


def settings_error(error: msgspec.ValidationError, prefix: str) -> str:
    return _path_of(error, prefix)
