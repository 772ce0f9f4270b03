"""What each city configures for participation in ``module_manifest.toml``."""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

import msgspec

from core.api import deployment_env

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
DEV_BASE_URL = "http://localhost:8000"


class ParticipationSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """What one city configures for the module."""

    # Districts and topics offers may name; empty means: any value is accepted.
    districts: list[Name] = []
    topics: list[Name] = []
    # Where the city's web pages for e-mail links live (confirm, withdraw, accept/decline).
    # Production refuses one that residents cannot open (see ``__post_init__``).
    public_base_url: str = DEV_BASE_URL
    smtp_host: str = "127.0.0.1"
    smtp_port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 25
    smtp_starttls: bool = False
    # Names of environment variables holding SMTP credentials (never the credentials themselves).
    smtp_username_env: str | None = None
    smtp_password_env: str | None = None
    mail_from: str = "beteiligung@example.org"
    # Mitmachpool consent lasts this long; a reminder goes out this many days before it ends.
    consent_months: Annotated[int, msgspec.Meta(ge=1, le=60)] = 12
    reminder_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 30
    # Unconfirmed registrations are purged after this many days.
    unconfirmed_days: Annotated[int, msgspec.Meta(ge=1, le=60)] = 7
    # Pool sign-ups send mail: at most this many per e-mail address a day (known or not) and per
    # client address an hour; generous for people, tight for a script that mails strangers.
    pool_signups_per_email_day: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    pool_signups_per_address_hour: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 30
    # Results residents see: nothing before this many answers; afterwards figures that change only
    # once this many more came in, so that comparing two polls never shows what one person answered.
    results_min_responses: Annotated[int, msgspec.Meta(ge=2, le=1000)] = 5
    results_step: Annotated[int, msgspec.Meta(ge=2, le=1000)] = 5
    # No secret here: the participation markers are keyed with ``ctx.keys.derive("marker")``, a key the
    # core derives from the deployment secret STADTKERN_SECRET_KEY (the same in every process).

    def __post_init__(self) -> None:
        problem = base_url_problem(self.public_base_url) if _in_production() else None
        if problem:
            # msgspec's own form of a key's error, so that the loader names the key after the
            # city's table like any other wrong setting:
            # "tenants.dortmund.modules.participation.public_base_url: ...".
            raise ValueError(f"{problem} - at `$.public_base_url`")


def _in_production() -> bool:
    # What the command line resolved: STADTKERN_ENV unset is production there, `stadtkern run` dev.
    return deployment_env() == "production"


def base_url_problem(url: str) -> str | None:
    """Why residents' e-mails could not link to ``url`` in production, or None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if url == DEV_BASE_URL:
        what = "is the development default (also when the key is not set)"
    elif parts.scheme != "https" or not host:
        what = "is not an https address"
    elif host == "localhost" or host.endswith(".localhost") or _is_local_address(host):
        what = "points at the server itself"
    else:
        return None
    return f"{url!r} {what}; residents' e-mails link to it, so production needs the city's public https pages"


def _is_local_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
