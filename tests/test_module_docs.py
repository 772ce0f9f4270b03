"""The module contract is documented and frozen: ``docs/modules.md`` and ``docs/core_api_snapshot.json``.

Documentation rule: a name counts as documented when ``docs/modules.md`` has a Markdown heading
(``##`` to ``####``) whose text starts with the name in backticks, followed by at least one line
of prose before the next heading. Exports of ``core.api`` are headed ``### `Name```; fields of
``ModuleSpec`` are headed ``#### `ModuleSpec.field```. A backticked mention in running text does
not count: every name gets its own paragraph.

Docstring rule: every class and function exported by ``core.api`` has a docstring of its own
(``inspect.getdoc`` would inherit a base class's, and a dataclass's generated ``Name(...)``
signature is not one). Constants, type aliases and instances (``DEFAULT_LIMIT``,
``RequestContext``, ``metadata``) cannot carry a docstring; for them the docs entry is required.

Snapshot: the public signatures of ``core.api`` (see :func:`surface`) are committed in
``docs/core_api_snapshot.json`` together with ``core.__version__``. Regenerate it with
``make api-snapshot`` (``python tests/test_module_docs.py --write``).
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import json
import re
import sys
import typing
from pathlib import Path
from typing import Any

import msgspec

import core
import core.api
from core.api import ModuleSpec

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "modules.md"
SNAPSHOT = ROOT / "docs" / "core_api_snapshot.json"
CHANGELOG = ROOT / "CHANGELOG.md"
HEADING = re.compile(r"^#{2,4}\s+`([^`]+)`")
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

HOW_TO_CHANGE = (
    "The public surface of core.api changed. If that is intended: regenerate the snapshot with "
    "`make api-snapshot`, bump `core.__version__` (core/__init__.py) and add an entry to "
    "CHANGELOG.md under that version (`## <version>`) saying what changed for module authors."
)


# --- documentation ------------------------------------------------------------------------------


def documented_headings(text: str) -> set[str]:
    """Backticked names that head a section with at least one line of prose under them."""
    found: set[str] = set()
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = HEADING.match(line)
        if match is None:
            continue
        body = []
        for following in lines[index + 1 :]:
            if following.startswith("#"):
                break
            if following.strip():
                body.append(following)
        if body:
            found.add(match.group(1))
    return found


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_export_of_core_api_is_documented() -> None:
    missing = sorted(set(core.api.__all__) - documented_headings(_doc()))
    assert not missing, f"docs/modules.md lacks a '### `Name`' section with text for: {', '.join(missing)}"


def test_every_field_of_the_module_spec_is_documented() -> None:
    wanted = {f"ModuleSpec.{f.name}" for f in dataclasses.fields(ModuleSpec)}
    missing = sorted(wanted - documented_headings(_doc()))
    assert not missing, f"docs/modules.md lacks a '#### `ModuleSpec.field`' section with text for: {missing}"


def test_the_docs_name_nothing_that_is_not_there() -> None:
    """A documented export or field that no longer exists is a lie in the reference."""
    fields = {f"ModuleSpec.{f.name}" for f in dataclasses.fields(ModuleSpec)}
    headed = {name for name in documented_headings(_doc()) if re.fullmatch(r"[A-Za-z_][\w.]*", name)}
    stale = sorted(
        name
        for name in headed
        if (name.startswith("ModuleSpec.") and name not in fields)
        or ("." not in name and name[0].isupper() and name not in core.api.__all__ and name != "ModuleSpec")
    )
    assert not stale, f"docs/modules.md documents names core.api does not have: {stale}"


def test_the_docs_say_what_is_private() -> None:
    assert "What is not documented here is private and may change." in _doc()


def own_docstring(obj: Any) -> str | None:
    """The object's own docstring (not a base class's, not a dataclass's generated signature)."""
    raw = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = inspect.cleandoc(raw)
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and text.startswith(f"{obj.__name__}("):
        return None
    return text


def test_every_class_and_function_of_core_api_has_a_docstring() -> None:
    missing = []
    for name in core.api.__all__:
        obj = getattr(core.api, name)
        if (inspect.isclass(obj) or inspect.isroutine(obj)) and own_docstring(obj) is None:
            missing.append(name)
    assert not missing, f"core.api names without a docstring of their own: {', '.join(missing)}"


# --- snapshot -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """An annotation as written (a string, under ``from __future__ import annotations``), else a value."""
    return value if isinstance(value, str) else _value(value)


def _value(value: Any) -> str:
    """A stable spelling of a value: classes by qualified name, no memory addresses."""
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return ADDRESS.sub("", repr(value))


def _signature(obj: Any) -> str:
    try:
        return ADDRESS.sub("", str(inspect.signature(obj)))
    except (TypeError, ValueError):
        return "<no signature>"


def _routine(obj: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": "async function" if inspect.iscoroutinefunction(obj) else "function"}
    entry["signature"] = _signature(obj)
    overloads = [_signature(o) for o in typing.get_overloads(obj)]
    if overloads:
        entry["overloads"] = overloads
    return entry


def _member(cls: type, name: str, raw: Any) -> str | None:
    """How one public attribute defined in ``cls`` itself looks from outside, or None to leave it out."""
    if isinstance(raw, staticmethod | classmethod):
        kind = "classmethod" if isinstance(raw, classmethod) else "staticmethod"
        return f"{kind} {_signature(raw.__func__)}"
    if isinstance(raw, property):
        return f"property -> {_text(inspect.signature(raw.fget).return_annotation) if raw.fget else '?'}"
    if inspect.isfunction(raw):
        prefix = "async def" if inspect.iscoroutinefunction(raw) else "def"
        return f"{prefix} {_signature(raw)}"
    if type(raw).__name__ == "declared_attr":
        return f"declared_attr -> {_text(inspect.signature(raw.fget).return_annotation)}"
    if type(raw).__name__ in {"member_descriptor", "InstrumentedAttribute"}:
        return None  # a slot or a mapped column: listed with the annotations
    if isinstance(raw, str | int | float | bool | tuple | frozenset | type(None)):
        return f"= {raw!r}"
    return f"= <{type(raw).__name__}>"


def _fields(cls: type) -> dict[str, str] | None:
    if dataclasses.is_dataclass(cls):
        fields = {}
        for f in dataclasses.fields(cls):
            default = ""
            if f.default is not dataclasses.MISSING:
                default = f" = {_value(f.default)}"
            elif f.default_factory is not dataclasses.MISSING:
                default = f" = {_value(f.default_factory)}()"
            fields[f.name] = f"{_text(f.type)}{default}"
        return fields
    if isinstance(cls, type) and issubclass(cls, msgspec.Struct):
        annotations = vars(cls).get("__annotations__", {})
        fields = {}
        for info in msgspec.structs.fields(cls):
            default = ""
            if info.default is not msgspec.NODEFAULT:
                default = f" = {_value(info.default)}"
            elif info.default_factory is not msgspec.NODEFAULT:
                default = f" = {_value(info.default_factory)}()"
            fields[info.name] = f"{_text(annotations.get(info.name, info.type))}{default}"
        return fields
    return None


def _class(cls: type) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": "class", "bases": [_value(b) for b in cls.__bases__]}
    fields = _fields(cls)
    if fields is not None:
        entry["fields"] = fields
    else:
        entry["signature"] = _signature(cls)
    members: dict[str, str] = {}
    annotations: dict[str, str] = {}
    # Members defined in core.api itself; what a base from a library brings is that library's contract.
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("core.api"):
            continue
        for name, value in vars(klass).get("__annotations__", {}).items():
            if not name.startswith("_") and (fields is None or name not in fields):
                annotations[name] = _text(value)
        for name, raw in vars(klass).items():
            if name.startswith("_") or (fields is not None and name in fields):
                continue
            described = _member(klass, name, raw)
            if described is not None:
                members[name] = described
        for name in vars(klass).get("__slots__", ()):
            if not name.startswith("_") and (fields is None or name not in fields):
                annotations.setdefault(name, "attribute")
    if annotations:
        entry["attributes"] = dict(sorted(annotations.items()))
    if members:
        entry["members"] = dict(sorted(members.items()))
    return entry


def describe(obj: Any) -> dict[str, Any]:
    """One exported name as the snapshot records it."""
    if inspect.isclass(obj):
        return _class(obj)
    if inspect.isroutine(obj):
        return _routine(obj)
    if isinstance(obj, str | int | float | bool | tuple | frozenset):
        return {"kind": "constant", "value": _value(obj)}
    if type(obj).__module__ == "typing" or typing.get_origin(obj) is not None:
        return {"kind": "type alias", "value": _value(obj)}
    # An instance whose contents depend on what is imported (``metadata``): only its type is contract.
    return {"kind": "instance", "type": _value(type(obj))}


def surface() -> dict[str, Any]:
    """The live public surface: ``core_version`` and every name of ``core.api.__all__``."""
    return {
        "core_version": core.__version__,
        "api": {name: describe(getattr(core.api, name)) for name in sorted(core.api.__all__)},
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_public_surface_matches_the_snapshot() -> None:
    assert SNAPSHOT.is_file(), f"{SNAPSHOT.relative_to(ROOT)} is missing. {HOW_TO_CHANGE}"
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    live = surface()
    if committed["api"] != live["api"]:
        diff = difflib.unified_diff(
            render(committed["api"]).splitlines(),
            render(live["api"]).splitlines(),
            "snapshot",
            "live",
            lineterm="",
            n=1,
        )
        raise AssertionError(f"{HOW_TO_CHANGE}\n" + "\n".join(diff))


def test_the_snapshot_belongs_to_this_core_version() -> None:
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert committed["core_version"] == core.__version__, (
        f"the snapshot was taken for core {committed['core_version']}, this is core {core.__version__}. "
        + HOW_TO_CHANGE
    )


def test_the_changelog_has_an_entry_for_this_core_version() -> None:
    headings = re.findall(r"^##\s+\[?v?([^\]\s]+)\]?", CHANGELOG.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert core.__version__ in headings, f"CHANGELOG.md has no '## {core.__version__}' heading. {HOW_TO_CHANGE}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python tests/test_module_docs.py --write   (regenerates the snapshot)")
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(render(surface()), encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)} for core {core.__version__}")
