"""What each city configures for participation in ``module_manifest.toml``."""

from __future__ import annotations

from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class ParticipationSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """What one city configures for the module."""

    # Districts and topics offers may name; empty means: any value is accepted.
    districts: list[Name] = []
    topics: list[Name] = []
    # Where the city's web pages for e-mail links live (confirm, withdraw, accept/decline).
    public_base_url: str = "http://localhost:8000"
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
