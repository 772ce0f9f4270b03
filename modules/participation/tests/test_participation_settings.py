"""public_base_url in production: residents' e-mails link there, so it must be the city's https pages."""

from __future__ import annotations

import msgspec
import pytest
from stadtkern_participation.settings import ParticipationSettings

REFUSED = [
    None,  # the key left out: the development default
    "http://localhost:8000",
    "http://beteiligung.dortmund.example",
    "https://localhost/beteiligung",
    "https://app.localhost",
    "https://127.0.0.1:8443",
    "https://[::1]/",
    "https://0.0.0.0",
    "beteiligung.dortmund.example",
]


def _convert(url: str | None) -> ParticipationSettings:
    return msgspec.convert({} if url is None else {"public_base_url": url}, ParticipationSettings)


@pytest.mark.parametrize("url", REFUSED)
def test_production_refuses_a_base_url_residents_cannot_open(url: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STADTKERN_ENV", "production")
    with pytest.raises(msgspec.ValidationError, match=r"production needs the city's public https pages"):
        _convert(url)


@pytest.mark.parametrize("env", [None, "dev", "test"])
def test_outside_production_the_development_default_is_fine(env: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if env is None:
        monkeypatch.delenv("STADTKERN_ENV", raising=False)
    else:
        monkeypatch.setenv("STADTKERN_ENV", env)
    assert _convert(None).public_base_url == "http://localhost:8000"


def test_production_takes_the_citys_https_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STADTKERN_ENV", "production")
    assert _convert("https://beteiligung.dortmund.example/").public_base_url.startswith("https://")
