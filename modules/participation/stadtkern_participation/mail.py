"""E-mail through aiosmtplib (a maintained asyncio SMTP client); the texts of the module's mails."""

from __future__ import annotations

import logging
import os
from email.message import EmailMessage

import aiosmtplib

from stadtkern_participation.settings import ParticipationSettings

log = logging.getLogger("stadtkern.participation")


async def send_mail(settings: ParticipationSettings, to: str, subject: str, body: str) -> bool:
    """Send one plain-text mail; False (and a log line) if the server refuses or is down."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    username = os.environ.get(settings.smtp_username_env) if settings.smtp_username_env else None
    password = os.environ.get(settings.smtp_password_env) if settings.smtp_password_env else None
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_starttls,
            username=username,
            password=password,
            timeout=15,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        log.warning("mail to the pool could not be sent: %s", exc)
        return False
    return True


def link(settings: ParticipationSettings, tenant: str, page: str, token: str) -> str:
    """A link to the city's web page, which posts the token back to the API (never a GET that
    acts: mail scanners follow links, and must not confirm or decline on someone's behalf)."""
    return f"{settings.public_base_url.rstrip('/')}/{tenant}/participation/{page}?token={token}"


def confirmation_text(confirm_link: str, manage_link: str, months: int) -> tuple[str, str]:
    """Subject and body of the double opt-in mail (German, then English)."""
    return (
        "Bitte bestätigen Sie Ihre Anmeldung zum Mitmachpool / Please confirm",
        "Guten Tag,\n\nbitte bestätigen Sie Ihre Anmeldung zum Mitmachpool:\n"
        f"{confirm_link}\n\nIhre Einwilligung gilt {months} Monate. Abmelden und Daten löschen:\n"
        f"{manage_link}\n\n"
        "Please confirm your registration with the participation pool using the first link above.\n",
    )


def change_text(confirm_link: str) -> tuple[str, str]:
    """Subject and body of the mail that asks the address's owner to confirm a changed sign-up."""
    return (
        "Änderung Ihrer Angaben im Mitmachpool bestätigen / Confirm a change",
        "Guten Tag,\n\njemand hat sich mit Ihrer E-Mail-Adresse erneut beim Mitmachpool angemeldet. Wenn Sie "
        "Ihre Angaben so ändern möchten, bestätigen Sie bitte:\n"
        f"{confirm_link}\n\nWaren Sie das nicht, ignorieren Sie diese E-Mail: Ihre Anmeldung bleibt, wie sie ist.\n\n"
        "Someone signed up with your address again. Confirm the new details with the link above; "
        "if it was not you, ignore this mail and nothing changes.\n",
    )


def reminder_text(renew_link: str, manage_link: str) -> tuple[str, str]:
    """Subject and body of the mail before consent ends, with renewal and withdrawal links."""
    return (
        "Ihre Einwilligung zum Mitmachpool läuft ab / Your pool consent expires",
        "Guten Tag,\n\nIhre Einwilligung zum Mitmachpool läuft bald ab. Verlängern:\n"
        f"{renew_link}\n\nOhne Verlängerung löschen wir Ihre Daten. Abmelden:\n{manage_link}\n\n"
        "Your consent expires soon; renew it with the first link, or do nothing and we delete your data.\n",
    )


def invitation_text(offer_title: str, respond_link: str) -> tuple[str, str]:
    """Subject and body of the mail that invites a member drawn by lot."""
    return (
        f"Einladung: {offer_title}",
        f"Guten Tag,\n\nSie wurden für „{offer_title}“ ausgelost. Zusagen oder absagen:\n{respond_link}\n\n"
        f"You were drawn by lot for '{offer_title}'. Accept or decline with the link above.\n",
    )
