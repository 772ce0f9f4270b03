"""Discovery (entry points + static ``module.toml``) and validation of the manifest against it.

Installed is not enabled: only modules a city lists in the manifest (plus always-on
infrastructure such as push) are imported. Every problem stops start-up with one sentence.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from core import __version__ as CORE_VERSION
from core.api.context import TenantInfo
from core.api.contract import ENTRY_POINT_GROUP, ModuleSpec
from core.errors import StartupError
from core.manifest import RESERVED_MODULE_KEYS, Manifest, settings_error


class ModuleToml(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: str
    version: str
    requires_core: str
    depends_on: list[str] = msgspec.field(default_factory=list)
    after: list[str] = msgspec.field(default_factory=list)
    roles: list[str] = msgspec.field(default_factory=list)
    always_enabled: bool = False


@dataclass(frozen=True)
class InstalledModule:
    meta: ModuleToml
    entry_point: EntryPoint
    distribution: str

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True)
class EnabledModule:
    spec: ModuleSpec
    meta: ModuleToml
    min_app_version: str | None
    settings: Any


class Tenant:
    """A city at run time. A plain class on purpose: Litestar validates dependency values with
    msgspec, which would otherwise walk every module spec inside it on each request."""

    __slots__ = ("demo", "info", "legal", "min_app_version", "modules", "name", "push_backend", "push_credentials_env")

    def __init__(
        self,
        *,
        info: TenantInfo,
        name: str,
        push_backend: str,
        push_credentials_env: str | None,
        min_app_version: str,
        legal: dict[str, str],
        modules: dict[str, EnabledModule],
        demo: bool = False,
    ) -> None:
        self.info = info
        self.demo = demo
        self.name = name
        self.push_backend = push_backend
        self.push_credentials_env = push_credentials_env
        self.min_app_version = min_app_version
        self.legal = legal
        self.modules = modules  # in load order

    @property
    def slug(self) -> str:
        return self.info.slug


@dataclass(frozen=True)
class Plan:
    """The outcome of loading: cities, and every module enabled somewhere, in dependency order."""

    tenants: dict[str, Tenant]
    specs: dict[str, ModuleSpec]
    metas: dict[str, ModuleToml]
    ports: dict[str, Any]


def _module_toml(ep: EntryPoint) -> ModuleToml:
    """Read ``module.toml`` beside the entry point's package without executing its code."""
    package = ep.value.split(":")[0].split(".")[0]
    found = importlib.util.find_spec(package)
    locations = list(found.submodule_search_locations or []) if found else []
    for location in locations:
        candidate = Path(location) / "module.toml"
        if candidate.is_file():
            try:
                return msgspec.toml.decode(candidate.read_bytes(), type=ModuleToml)
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                raise StartupError(f"module.toml of entry point {ep.name!r} ({candidate}): {exc}") from None
    raise StartupError(f"entry point {ep.name!r} ({ep.value}) ships no module.toml in package {package!r}")


def _differ(installed: str, declared: str) -> bool:
    try:
        return Version(installed) != Version(declared)
    except InvalidVersion:  # a malformed module.toml version is named by _check_versions
        return False


def discover() -> dict[str, InstalledModule]:
    installed: dict[str, InstalledModule] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        meta = _module_toml(ep)
        if meta.id != ep.name:
            raise StartupError(f"entry point {ep.name!r} declares id {meta.id!r} in module.toml; they must match")
        dist = ep.dist.name if ep.dist else "?"
        # module.toml is read without importing code, the distribution's metadata is what pip
        # installed: two sources of one version, so they must agree (a forgotten bump fails here).
        if ep.dist is not None and _differ(ep.dist.version, meta.version):
            raise StartupError(
                f"module {meta.id!r}: module.toml says version {meta.version}, "
                f"its distribution {dist} is {ep.dist.version}; bump both together"
            )
        if meta.id in installed:
            other = installed[meta.id].distribution
            raise StartupError(f"module {meta.id!r} is installed twice (distributions {other} and {dist})")
        installed[meta.id] = InstalledModule(meta=meta, entry_point=ep, distribution=dist)
    return installed


def _check_versions(meta: ModuleToml, accepted: str | None, where: str) -> None:
    try:
        version = Version(meta.version)
    except InvalidVersion:
        raise StartupError(f"module {meta.id!r}: version {meta.version!r} is not a PEP 440 version") from None
    try:
        core_range = SpecifierSet(meta.requires_core)
    except InvalidSpecifier:
        raise StartupError(f"module {meta.id!r}: requires_core {meta.requires_core!r} is not a range") from None
    if Version(CORE_VERSION) not in core_range:
        raise StartupError(
            f"module {meta.id!r} {meta.version} requires core {meta.requires_core}, this core is {CORE_VERSION}"
        )
    if accepted is not None:
        try:
            accepted_range = SpecifierSet(accepted)
        except InvalidSpecifier:
            raise StartupError(f"{where}.version: {accepted!r} is not a PEP 440 range") from None
        if version not in accepted_range:
            raise StartupError(
                f"{where}.version: module {meta.id!r} is installed in version {meta.version}, "
                f"the manifest accepts {accepted}"
            )


def _order(ids: set[str], metas: dict[str, ModuleToml], manifest_order: list[str]) -> list[str]:
    """Dependencies (hard) and ``after`` (soft, only if present) first; otherwise manifest order."""
    graph: dict[str, set[str]] = {}
    for mid in ids:
        meta = metas[mid]
        graph[mid] = {d for d in meta.depends_on if d in ids} | {a for a in meta.after if a in ids}
    sorter = TopologicalSorter(graph)
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise StartupError(f"module dependency cycle: {cycle}") from None
    rank = {mid: i for i, mid in enumerate(manifest_order)}
    ordered: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=lambda m: (rank.get(m, -1), m))
        ordered.extend(ready)
        sorter.done(*ready)
    return ordered


def _import_spec(installed: InstalledModule) -> ModuleSpec:
    try:
        spec = installed.entry_point.load()
    except Exception as exc:  # an import error in third-party code must name the module
        raise StartupError(f"module {installed.id!r} failed to import: {exc!r}") from exc
    if not isinstance(spec, ModuleSpec):
        raise StartupError(f"entry point {installed.id!r} does not point at a ModuleSpec")
    if spec.id != installed.id:
        raise StartupError(f"module {installed.id!r}: its spec says id {spec.id!r}")
    return spec


def _check_enabled(manifest: Manifest, installed: dict[str, InstalledModule], always: list[str]) -> None:
    """Every enabled module must be installed in an accepted version, with its dependencies."""
    for slug, tenant in manifest.tenants.items():
        enabled = set(tenant.modules) | set(always)
        for mid, raw in tenant.modules.items():
            where = f"tenants.{slug}.modules.{mid}"
            if mid not in installed:
                known = ", ".join(sorted(installed)) or "none"
                raise StartupError(f"{where}: module {mid!r} is enabled but not installed (installed: {known})")
            _check_versions(installed[mid].meta, raw.get("version"), where)
            for dep in installed[mid].meta.depends_on:
                if dep not in installed:
                    raise StartupError(f"{where}: module {mid!r} depends on {dep!r}, which is not installed")
                if dep not in enabled:
                    raise StartupError(
                        f"{where}: module {mid!r} depends on {dep!r}, which city {slug!r} does not enable"
                    )
    for mid in always:
        _check_versions(installed[mid].meta, None, f"module {mid}")


def _ports(order: list[str], specs: dict[str, ModuleSpec]) -> dict[str, Any]:
    ports: dict[str, Any] = {}
    for mid in order:
        for port, impl in specs[mid].provides.items():
            if port in ports:
                raise StartupError(f"two modules provide the {port!r} port; only one may")
            ports[port] = impl
    return ports


def _enabled(mid: str, spec: ModuleSpec, meta: ModuleToml, raw_table: dict[str, Any], where: str) -> EnabledModule:
    """A city's table for one module decoded into the module's settings; the error names the exact key."""
    raw = dict(raw_table)
    accepted_app = raw.pop("min_app_version", None)
    raw.pop("version", None)
    settings: Any = None
    if spec.settings is None:
        if raw:
            raise StartupError(f"{where}.{next(iter(raw))}: module {mid!r} takes no settings")
    else:
        try:
            settings = msgspec.convert(raw, spec.settings)
        except msgspec.ValidationError as exc:
            raise StartupError(settings_error(exc, where)) from None
    return EnabledModule(spec=spec, meta=meta, min_app_version=accepted_app, settings=settings)


def _tenant(
    slug: str, tm: Any, order: list[str], always: list[str], specs: dict[str, ModuleSpec], metas: dict[str, ModuleToml]
) -> Tenant:
    modules = {
        mid: _enabled(mid, specs[mid], metas[mid], tm.modules.get(mid, {}), f"tenants.{slug}.modules.{mid}")
        for mid in order
        if mid in tm.modules or mid in always
    }
    info = TenantInfo(
        slug=slug,
        name=tm.name,
        locales=tuple(tm.locales),
        time_zone=ZoneInfo(tm.time_zone),
        push_backend=tm.push_backend,
        push_credentials_env=tm.push_credentials_env,
        push_topics=tuple(t for enabled in modules.values() for t in enabled.spec.push_topics),
        discussion_subjects=tuple(d for enabled in modules.values() for d in enabled.spec.discussion_subjects),
    )
    return Tenant(
        info=info,
        name=tm.name,
        push_backend=tm.push_backend,
        push_credentials_env=tm.push_credentials_env,
        min_app_version=tm.min_app_version,
        legal=dict(tm.legal),
        modules=modules,
        demo=tm.demo,
    )


def build_plan(manifest: Manifest, installed: dict[str, InstalledModule] | None = None) -> Plan:
    """Check the manifest against what is installed, import the enabled modules in dependency order
    and decode every city's settings; any problem is a :class:`StartupError` of one sentence."""
    installed = discover() if installed is None else installed
    always = [mid for mid, mod in installed.items() if mod.meta.always_enabled]
    metas = {mid: mod.meta for mid, mod in installed.items()}
    _check_enabled(manifest, installed, always)
    everywhere = set(always).union(*(set(t.modules) for t in manifest.tenants.values()))
    manifest_order = always + [m for t in manifest.tenants.values() for m in t.modules]
    order = _order(everywhere, metas, manifest_order)
    specs = {mid: _import_spec(installed[mid]) for mid in order}
    ports = _ports(order, specs)
    tenants = {slug: _tenant(slug, tm, order, always, specs, metas) for slug, tm in manifest.tenants.items()}
    return Plan(tenants=tenants, specs=specs, metas={m: metas[m] for m in order}, ports=ports)


def load_specs(module_ids: Iterable[str], installed: dict[str, InstalledModule] | None = None) -> dict[str, ModuleSpec]:
    """The specs of ``module_ids``, their dependencies and the always-enabled modules, in load order.

    For tools that need a module's schema without a manifest (``stadtkern revision``).
    """
    installed = discover() if installed is None else installed
    wanted: set[str] = set()
    todo = [mid for mid, mod in installed.items() if mod.meta.always_enabled] + list(module_ids)
    while todo:
        mid = todo.pop()
        if mid in wanted:
            continue
        if mid not in installed:
            known = ", ".join(sorted(installed)) or "none"
            raise StartupError(f"module {mid!r} is not installed (installed: {known})")
        wanted.add(mid)
        todo.extend(installed[mid].meta.depends_on)
    order = _order(wanted, {mid: installed[mid].meta for mid in wanted}, [])
    return {mid: _import_spec(installed[mid]) for mid in order}


__all__ = [
    "RESERVED_MODULE_KEYS",
    "EnabledModule",
    "InstalledModule",
    "Plan",
    "Tenant",
    "build_plan",
    "discover",
    "load_specs",
]
