"""The production shape (compose.yaml) and CI wiring say what the README promises.

No Docker engine runs on the test machines, so these check the files' content: the services,
their commands against the real CLI, and that CI runs the README's test command.
"""

from __future__ import annotations

from pathlib import Path

import yaml  # PyYAML, a dependency of Litestar

from core.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_postgres_migrate_api_and_worker() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "migrate", "api", "worker"} <= set(services)
    assert services["migrate"]["command"] == ["stadtkern", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["api"]["command"][:2] == ["stadtkern", "serve"]
    assert services["worker"]["command"] == ["stadtkern", "worker"]
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    env = services["api"]["environment"]
    assert env["STADTKERN_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "${STADTKERN_SECRET_KEY" in env["STADTKERN_SECRET_KEY"], "secrets come from the environment"


def test_every_compose_command_is_a_real_cli_command() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    for name in ("migrate", "api", "worker"):
        command = compose["services"][name]["command"]
        assert command[0] == "stadtkern"
        try:
            main([command[1], "--help"])
        except SystemExit as exit_:  # argparse exits 0 after printing help for a known command
            assert exit_.code == 0, f"{name}: `stadtkern {command[1]}` is not a command"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make run" in readme
    assert "\nmake test\n" in ci
