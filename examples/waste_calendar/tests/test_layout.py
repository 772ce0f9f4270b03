"""The worked example keeps the layout of a module fresh from ``stadtkern new-module``."""

from __future__ import annotations

import re
from pathlib import Path

from core.scaffold import template_files

HERE = Path(__file__).parent.parent
# The example's own additions, beyond the template.
EXTRA = {"tests/test_layout.py"}
IGNORED = re.compile(r"(^|/)(build|__pycache__|[^/]+\.egg-info|\.\w+_cache)(/|$)")


def _layout(paths: list[str]) -> set[str]:
    """Relative paths, migrations reduced to their revision number (the message differs)."""
    return {re.sub(r"(migrations/\w+_\d{4})_\w+\.py$", r"\1.py", p) for p in paths if not IGNORED.search(p)}


def test_same_layout_as_a_generated_module() -> None:
    generated = _layout(list(template_files("waste")))
    example = _layout([p.relative_to(HERE).as_posix() for p in HERE.rglob("*") if p.is_file()])
    assert generated - example == set(), "files of the template the example lacks"
    assert example - generated == EXTRA, "files of the example the template does not have"
