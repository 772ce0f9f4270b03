"""Every package a deployment installs is under a licence the README names and EUPL-1.2 allows.

Walks the runtime requirements of the core and of every module in this repository (not the test
extras), through the installed metadata, so a new dependency with an unlisted licence fails here
rather than in a city's legal review.
"""

from __future__ import annotations

import importlib.metadata as md
import re
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTIONS = ["stadtkern", *(f"stadtkern-{p.parent.name}" for p in sorted(ROOT.glob("modules/*/pyproject.toml")))]

# How packages spell their licence (SPDX expression, the free-text field, or a classifier), mapped
# to the families the README names. EUPL-1.2's appendix lists LGPL and MPL-2.0 as compatible.
FAMILIES = {
    "MIT": "MIT",
    "MIT-0": "MIT",
    "MIT-CMU": "MIT",
    "BSD": "BSD",
    "0BSD": "BSD",
    "Apache": "Apache-2.0",
    "ISC": "ISC",
    "PSF": "PSF-2.0",
    "Python Software Foundation": "PSF-2.0",
    "CNRI-Python": "PSF-2.0",
    "Zlib": "Zlib",
    "CC0": "CC0-1.0",
    "LGPL": "LGPL-3.0",
    "GNU Lesser General Public": "LGPL-3.0",
    "MPL": "MPL-2.0",
    "Mozilla Public License": "MPL-2.0",
    "EUPL": "EUPL-1.2",
    "Dual License": "BSD",  # python-dateutil: Apache-2.0 or BSD-3-Clause, its classifiers say
}


def licence_text(dist: md.Distribution) -> str:
    meta = dist.metadata
    classifiers = [c for c in (meta.get_all("Classifier") or []) if c.startswith("License ::")]
    expression = meta.get("License-Expression") or ""
    free_text = meta.get("License") or ""
    return " ".join([expression, free_text if len(free_text) < 200 else "", *classifiers])


def bundled_licence(dist: md.Distribution) -> str:
    """The opening of the licence file a wheel ships, for packages whose metadata names none."""
    for file in dist.files or []:
        if "licen" in file.name.lower() or file.name.upper().startswith("COPYING"):
            return Path(str(dist.locate_file(file))).read_text(encoding="utf-8", errors="replace")[:200]
    return ""


def families(dist: md.Distribution) -> set[str]:
    found = set()
    for text in (licence_text(dist), bundled_licence(dist)):
        found = {family for word, family in FAMILIES.items() if re.search(rf"\b{re.escape(word)}", text)}
        if found:
            break
    return found


def runtime_closure() -> dict[str, md.Distribution]:
    seen: dict[str, md.Distribution] = {}
    todo = list(DISTRIBUTIONS)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # an optional dependency for another platform or Python
        seen[key] = dist
        for raw in dist.requires or []:
            requirement = Requirement(raw)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue  # test extras and other platforms
            todo.append(requirement.name)
    return seen


def test_every_runtime_dependency_has_a_licence_the_readme_names() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    closure = runtime_closure()
    assert "litestar" in closure and "recurring-ical-events" in closure, "the walk must reach the dependencies"
    unknown = {name: licence_text(dist) for name, dist in closure.items() if not families(dist)}
    assert not unknown, f"licences not recognised (add them to FAMILIES and the README): {unknown}"
    used = set().union(*(families(dist) for dist in closure.values()))
    for family in used:
        assert family in readme, f"the README's licence line does not name {family}"
    copyleft = sorted(name for name, dist in closure.items() if families(dist) & {"LGPL-3.0", "MPL-2.0"})
    for name in copyleft:
        assert name in readme, f"{name} is weak-copyleft: the README must name it"
