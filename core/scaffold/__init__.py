"""``stadtkern new-module``: a complete module distribution from the template in ``template/``.

Template files end in ``.tmpl`` (so that this repository's linters and test runs skip them);
``{{id}}``, ``{{package}}``, ``{{dist}}``, ``{{Name}}`` and ``{{date}}`` are replaced in file
names and contents. Nothing else is special: the template is plain files, shipped as package data.
"""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from core.api.contract import MODULE_ID
from core.errors import StartupError

TEMPLATE_SUFFIX = ".tmpl"


def names(module_id: str) -> dict[str, str]:
    """Placeholders for a module id: ``bulky_waste`` gives ``stadtkern_bulky_waste``, ``BulkyWaste``…"""
    if not MODULE_ID.match(module_id):
        raise StartupError(f"module id {module_id!r} must match {MODULE_ID.pattern} (lower case, digits, _)")
    return {
        "id": module_id,
        "package": f"stadtkern_{module_id}",
        "dist": f"stadtkern-{module_id.replace('_', '-')}",
        "Name": "".join(part.capitalize() for part in module_id.split("_")),
        "date": dt.date.today().isoformat(),
    }


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def _walk(folder: Traversable, relative: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    found: list[tuple[tuple[str, ...], Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found += _walk(entry, (*relative, entry.name))
        elif entry.name.endswith(TEMPLATE_SUFFIX):
            found.append(((*relative, entry.name.removesuffix(TEMPLATE_SUFFIX)), entry))
    return found


def template_files(module_id: str) -> dict[str, str]:
    """Relative path -> content of every file the module gets (nothing written)."""
    values = names(module_id)
    root = files("core.scaffold") / "template"
    return {
        _fill("/".join(parts), values): _fill(entry.read_text(encoding="utf-8"), values) for parts, entry in _walk(root)
    }


def create_module(module_id: str, parent: Path) -> Path:
    """Write the distribution ``<parent>/<dist>``; refuses to write into a folder that has files."""
    target = parent.resolve() / names(module_id)["dist"]
    if target.exists() and any(target.iterdir()):
        raise StartupError(f"{target} exists and is not empty")
    for relative, content in template_files(module_id).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return target
