"""``stadtkern new-module`` and ``stadtkern revision``, as a partner developer runs them.

The generated distribution is made importable the way ``pip install --target`` would (its package
plus a ``.dist-info`` with the entry point) and the commands run in a subprocess, so the module's
tables never enter this test session's metadata. The full partner path (pip install, the module's
own tests and lint) runs in CI as ``make template-check``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core.cli import main
from core.scaffold import template_files

ROOT = Path(__file__).parent.parent


def _stadtkern(*args: str, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in (path, ROOT) if p)}
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )


def _importable(distribution: Path, module_id: str) -> None:
    """What an install leaves for importlib.metadata: the version and the entry point."""
    version = tomllib.loads((distribution / f"stadtkern_{module_id}" / "module.toml").read_text())["version"]
    info = distribution / f"stadtkern_{module_id}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: stadtkern-{module_id}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[stadtkern.modules]\n{module_id} = stadtkern_{module_id}.module:spec\n")


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    assert main(["new-module", "probe", "--dir", str(tmp_path)]) == 0
    distribution = tmp_path / "stadtkern-probe"
    _importable(distribution, "probe")
    return distribution


def test_new_module_writes_every_template_file(generated: Path) -> None:
    written = {p.relative_to(generated).as_posix() for p in generated.rglob("*") if p.is_file()}
    assert written - {
        "stadtkern_probe-0.1.0.dist-info/METADATA",
        "stadtkern_probe-0.1.0.dist-info/entry_points.txt",
    } == set(template_files("probe"))
    assert "{{" not in "".join(p.read_text() for p in generated.rglob("*.py"))
    pyproject = tomllib.loads((generated / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["stadtkern.modules"] == {"probe": "stadtkern_probe.module:spec"}


def test_new_module_refuses_a_bad_id_and_a_folder_with_files(
    generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-module", "Bulky-Waste", "--dir", str(generated.parent)]) == 2
    assert "'Bulky-Waste' must match" in capsys.readouterr().err
    assert main(["new-module", "probe", "--dir", str(generated.parent)]) == 2
    assert "exists and is not empty" in capsys.readouterr().err


def test_revision_autogenerates_in_the_modules_own_lineage(generated: Path) -> None:
    fresh = _stadtkern("revision", "probe", "--check", path=generated)
    assert fresh.returncode == 0, fresh.stderr
    assert "migrations match the models" in fresh.stdout

    models = generated / "stadtkern_probe" / "models.py"
    models.write_text(
        models.read_text().replace(
            "    archived: Mapped[bool]",
            "    note: Mapped[str | None] = mapped_column(String(300), nullable=True)\n    archived: Mapped[bool]",
        )
    )
    behind = _stadtkern("revision", "probe", "--check", path=generated)
    assert behind.returncode == 2
    assert "add_column" in behind.stdout and "note" in behind.stdout
    assert "models and migrations differ" in behind.stderr

    written = _stadtkern("revision", "probe", "-m", "add a note", path=generated)
    assert written.returncode == 0, written.stderr
    migration = generated / "stadtkern_probe" / "migrations" / "probe_0002_add_a_note.py"
    assert written.stdout.strip().endswith(str(migration))
    text = migration.read_text()
    assert 'down_revision = "probe_0001"' in text or 'down_revision: str | None = "probe_0001"' in text
    assert "op.add_column" in text and "probe_item" in text and "note" in text
    assert "alembic_version" not in text and "events_" not in text  # only the module's own tables
    assert _stadtkern("revision", "probe", "--check", path=generated).returncode == 0


@pytest.mark.parametrize("module_id", ["events", "participation"])
def test_our_modules_migrations_match_their_models(module_id: str) -> None:
    result = _stadtkern("revision", module_id, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
