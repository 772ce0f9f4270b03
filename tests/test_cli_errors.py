"""The CLI's errors an operator understands: one sentence and exit code 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cli import main
from core.testing import manifest_path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.setenv("STADTKERN_ENV", "dev")
    monkeypatch.setenv("STADTKERN_MANIFEST_PATH", str(manifest_path()))
    monkeypatch.setenv("STADTKERN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/fresh.db")
    monkeypatch.delenv("STADTKERN_ADMIN_PASSWORD", raising=False)
    return monkeypatch


def test_an_unreachable_database_is_one_sentence(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("STADTKERN_DATABASE_URL", "postgresql+asyncpg://stadtkern:secret-pw@127.0.0.1:1/city")
    for command in (["migrate"], ["serve"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith(
            "stadtkern: cannot reach the database at postgresql+asyncpg://stadtkern:***@127.0.0.1:1/city"
        )
        assert "secret-pw" not in err and "Traceback" not in err and err.count("\n") == 1


def test_create_admin_before_migrating_says_what_to_do(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("STADTKERN_ADMIN_PASSWORD", "a-long-enough-password")
    assert main(["create-admin", "--tenant", "dortmund", "--email", "chef@dortmund.example"]) == 2
    assert "run `stadtkern migrate` first" in capsys.readouterr().err


def test_create_admin_without_a_terminal_or_password_says_so(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # pytest's stdin is not a terminal, as in a container or a script
    assert main(["create-admin", "--tenant", "dortmund", "--email", "chef@dortmund.example"]) == 2
    assert "no password: set STADTKERN_ADMIN_PASSWORD" in capsys.readouterr().err


def test_an_unknown_manifest_key_names_the_city(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "manifest.toml"
    manifest.write_text('[tenants.unna]\nname = "Unna"\ncolour = "blue"\n', encoding="utf-8")
    env.setenv("STADTKERN_MANIFEST_PATH", str(manifest))
    assert main(["migrate"]) == 2
    assert "tenants.unna" in capsys.readouterr().err


def test_production_without_stadtkern_env_refuses_a_local_link_for_e_mails(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # STADTKERN_ENV unset is production for the core, so it must be for the modules' checks too:
    # residents' e-mails would otherwise link to http://localhost:8000.
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        """
[tenants.dortmund]
name = "Dortmund"
locales = ["de", "en"]
time_zone = "Europe/Berlin"

[tenants.dortmund.modules.participation]
public_base_url = "http://localhost:8000"
""",
        encoding="utf-8",
    )
    env.delenv("STADTKERN_ENV")
    env.setenv("STADTKERN_SECRET_KEY", "kq3V9r-LmZ2xT8wYb1NcF5hJ0sDgPeA7uRiO4nWt")
    env.setenv("STADTKERN_MANIFEST_PATH", str(manifest))
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "tenants.dortmund.modules.participation.public_base_url" in err and err.count("\n") == 1
    # `stadtkern run` is dev whatever the environment says: the same manifest is fine there
    from core.api import deployment_env

    assert deployment_env() == "test", "main() leaves the process as it found it"
