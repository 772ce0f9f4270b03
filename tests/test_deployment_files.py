"""The production shape (compose.yaml, deploy/) and CI wiring say what the README promises.

No Docker engine runs on the test machines, so these check the files' content: the services,
their commands against the real CLI, the proxy in front, the variables each container gets
against what the code reads. deploy/smoke runs the whole shape (`make smoke`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML, a dependency of Litestar

from core.cli import main
from core.errors import StartupError
from core.loader import build_plan
from core.manifest import load_manifest
from core.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_MANIFEST = ROOT / "deploy" / "module_manifest.example.toml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}")


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _resolved(value: str, given: dict[str, str] | None = None) -> str:
    """A compose value with its ${VAR:-default} filled in: the default, or a value for ${VAR:?…}."""

    def fill(match: re.Match[str]) -> str:
        name, rest = match.group(1), match.group(0)
        if given and name in given:
            return given[name]
        if ":?" in rest:
            raise KeyError(name)
        return match.group(2) or ""

    return INTERPOLATION.sub(fill, value)


def _mounted_manifest(service: dict[str, Any]) -> Path:
    for volume in service["volumes"]:
        source, target, *_ = _resolved(volume).split(":")
        if target == service["environment"]["STADTKERN_MANIFEST_PATH"]:
            return ROOT / source
    raise AssertionError("no volume mounts the manifest at STADTKERN_MANIFEST_PATH")


def _port_of(command: list[str]) -> str:
    return command[command.index("--port") + 1]


def test_compose_runs_postgres_migrate_api_and_worker() -> None:
    services = _compose()["services"]
    assert {"caddy", "postgres", "redis", "migrate", "api", "worker"} <= set(services)
    assert services["migrate"]["command"] == ["stadtkern", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["api"]["command"][:2] == ["stadtkern", "serve"]
    assert services["worker"]["command"][:2] == ["stadtkern", "worker"]
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    env = services["api"]["environment"]
    assert env["STADTKERN_ENV"] == "production"
    assert env["STADTKERN_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "${STADTKERN_SECRET_KEY" in env["STADTKERN_SECRET_KEY"], "secrets come from the environment"
    assert services["postgres"]["image"] == "postgis/postgis:16-3.5"


def test_every_compose_command_is_a_real_cli_command() -> None:
    for name in ("migrate", "api", "worker"):
        command = _compose()["services"][name]["command"]
        assert command[0] == "stadtkern"
        with pytest.raises(SystemExit) as exit_:  # argparse exits 0 after printing help for valid options
            main([*command[1:], "--help"])
        assert exit_.value.code == 0, f"{name}: `{' '.join(command)}` is not a valid command line"


def test_api_replicas_share_no_host_port_and_only_caddy_publishes() -> None:
    services = _compose()["services"]
    api = services["api"]
    assert "ports" not in api, "a fixed host port lets only the first replica bind"
    assert api["expose"] == [_port_of(api["command"])]
    assert api["deploy"]["replicas"] == "${STADTKERN_API_REPLICAS:-2}"
    assert int(_resolved(api["deploy"]["replicas"])) >= 2
    assert [name for name, service in services.items() if "ports" in service] == ["caddy"]
    assert {port.split(":")[-1] for port in services["caddy"]["ports"]} == {"80", "443", "443/udp"}


def test_caddy_balances_over_every_api_replica() -> None:
    compose = _compose()
    caddy, api = compose["services"]["caddy"], compose["services"]["api"]
    assert caddy["image"] == "caddy:2"
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert caddy["depends_on"]["api"]["condition"] == "service_healthy"
    text = CADDYFILE.read_text(encoding="utf-8")
    assert text.count("reverse_proxy") == 1
    upstream = re.search(r"dynamic a \{\$STADTKERN_API_HOST:(\S+)\} \{\$STADTKERN_API_PORT:(\d+)\}", text)
    assert upstream, "Caddy finds the replicas through Docker's DNS (dynamic a)"
    assert upstream.groups() == ("api", _port_of(api["command"]))
    assert re.search(r"^\s*lb_policy \w+", text, re.MULTILINE)
    assert re.search(r"^\{\$STADTKERN_DOMAIN:localhost\} \{", text, re.MULTILINE)
    # X-Forwarded-For is trusted from Caddy's network only, and only Caddy and the API are on it.
    edge = compose["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    assert api["environment"]["STADTKERN_TRUSTED_PROXIES"] == edge
    on_edge = {name for name, service in compose["services"].items() if "edge" in service.get("networks", [])}
    assert on_edge == {"caddy", "api"}


def test_the_caddyfile_is_valid_for_caddy() -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        if os.environ.get("CI"):  # .ci/run installs it: under CI a missing caddy must not hide this test
            pytest.fail("caddy is not on PATH under CI=true (.ci/run installs it)", pytrace=False)
        pytest.skip("caddy is not installed (.ci/run installs it; deploy/smoke runs it)")
    adapted = subprocess.run(
        [caddy, "adapt", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    proxy = json.loads(adapted.stdout)["apps"]["http"]["servers"]["srv0"]["routes"][0]["handle"][0]["routes"][0]
    upstreams = proxy["handle"][0]["dynamic_upstreams"]
    assert (upstreams["source"], upstreams["name"], upstreams["port"]) == ("a", "api", "8000")


def test_workers_have_a_health_check_on_their_listener() -> None:
    worker = _compose()["services"]["worker"]
    assert worker["deploy"]["replicas"] == 2, "one leads, one stands by"
    command = worker["command"]
    # Reachable from the other containers (a Prometheus scraping /metrics), not only its own probe.
    assert command[command.index("--host") + 1] == "0.0.0.0"  # noqa: S104
    probe = " ".join(worker["healthcheck"]["test"])
    assert f"http://127.0.0.1:{_port_of(command)}/health/ready" in probe
    assert worker["stop_grace_period"], "Docker's 10 s would kill a worker still finishing its jobs"


def test_fcm_credentials_reach_api_and_worker() -> None:
    services = _compose()["services"]
    manifest = load_manifest(_mounted_manifest(services["api"]))
    variables = {t.push_credentials_env for t in manifest.tenants.values() if t.push_backend == "fcm"}
    assert variables == {"STADTKERN_FCM_DORTMUND"}
    for name in ("api", "worker"):
        env = services[name]["environment"]
        for variable in variables:
            assert env[variable].startswith(f"${{{variable}:"), f"{name} does not get {variable}"


def _names_in_manifest(manifest_path: Path) -> set[str]:
    """Environment variables the manifest names: push credentials and every module's ``*_env`` key."""
    names: set[str] = set()
    for tenant in load_manifest(manifest_path).tenants.values():
        if tenant.push_credentials_env:
            names.add(tenant.push_credentials_env)
        for table in tenant.modules.values():
            names.update(value for key, value in table.items() if key.endswith("_env") and isinstance(value, str))
    return names


def test_every_variable_compose_passes_is_read() -> None:
    services = _compose()["services"]
    settings = {f"STADTKERN_{field.upper()}" for field in Settings.__struct_fields__}
    read = settings | _names_in_manifest(_mounted_manifest(services["api"]))
    for name in ("migrate", "api", "worker"):
        unread = set(services[name]["environment"]) - read
        assert not unread, f"{name} gets variables nothing reads: {sorted(unread)}"
    caddyfile = CADDYFILE.read_text(encoding="utf-8")
    for variable in services["caddy"]["environment"]:
        assert f"{{${variable}" in caddyfile, f"caddy gets {variable}, which deploy/Caddyfile does not read"


def test_the_containers_settings_load_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    env = _compose()["services"]["api"]["environment"]
    given = {"POSTGRES_PASSWORD": "pw", "STADTKERN_SECRET_KEY": "kq3V9r-LmZ2xT8wYb1NcF5hJ0sDgPeA7uRiO4nWt"}
    given["STADTKERN_FCM_DORTMUND"] = "{}"
    for name, value in env.items():
        monkeypatch.setenv(name, _resolved(str(value), given))
    settings = load_settings()
    assert settings.env == "production" and settings.trusted_proxies == ("172.30.0.0/24",)


def test_the_example_manifest_passes_the_production_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STADTKERN_ENV", "production")
    manifest = load_manifest(EXAMPLE_MANIFEST)
    plan = build_plan(manifest)
    for slug, tenant in manifest.tenants.items():
        assert not tenant.demo, f"{slug}: a production manifest has no demo city"
        assert tenant.push_backend == "fcm" and tenant.push_credentials_env
    participation = plan.tenants["dortmund"].modules["participation"].settings
    assert participation.public_base_url.startswith("https://")
    image_modules = {p.parent.name for p in (ROOT / "modules").glob("*/pyproject.toml")}
    assert set(plan.specs) == image_modules | {"push"}, "the example enables every module the image ships"


def test_production_refuses_the_development_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STADTKERN_ENV", "production")
    with pytest.raises(StartupError, match=r"^tenants\.dortmund\.modules\.participation\.public_base_url: "):
        build_plan(load_manifest(ROOT / "module_manifest.toml"))


def test_install_steps_fail_loudly() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    scripts = [ROOT / "deploy" / name for name in ("build-wheels", "install-wheels")]
    for path, text in [(ROOT / "Dockerfile", dockerfile), *((p, p.read_text(encoding="utf-8")) for p in scripts)]:
        assert not re.search(r";\s*true\b|\|\|\s*true\b", text), f"{path.name} hides a failure"
    for script in scripts:
        assert "\nset -euo pipefail\n" in script.read_text(encoding="utf-8")
    assert dockerfile.count('SHELL ["/bin/bash", "-euo", "pipefail", "-c"]') == dockerfile.count("\nFROM ")
    assert "deploy/build-wheels /wheels" in dockerfile
    assert "install-wheels /opt/stadtkern /wheels" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), "the image runs unprivileged"
    assert "HEALTHCHECK" in dockerfile


def test_ci_runs_the_readme_test_command_then_the_smoke_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make test" in readme and "make run" in readme and "make smoke" in readme
    assert "\nmake test\n" in ci
    assert ci.index("\nmake test\n") < ci.index("\nmake smoke\n")
    assert re.search(r"^smoke:.*\n\tdeploy/smoke$", makefile, re.MULTILINE)
    smoke = (ROOT / "deploy" / "smoke-venv").read_text(encoding="utf-8")
    assert "deploy/build-wheels" in smoke and "deploy/install-wheels" in smoke, (
        "the smoke test installs as the image does"
    )


def test_the_push_engine_carries_the_core_version() -> None:
    # push ships inside the core's distribution: a wheel install refuses a module.toml whose version
    # differs from it (an editable install with stale metadata would not notice).
    import tomllib

    import core

    declared = tomllib.loads((ROOT / "push" / "module.toml").read_text(encoding="utf-8"))["version"]
    assert declared == core.__version__, "bump push/module.toml together with core.__version__"
