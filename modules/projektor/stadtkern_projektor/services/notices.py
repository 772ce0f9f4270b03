"""The pushes a resident gets about their own bookings (topic ``projektor.bookings``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Audience, Notification
from schemas import LocalizedText
from stadtkern_projektor.models import Booking

TOPIC_BOOKINGS = "projektor.bookings"

_TEXTS: dict[str, tuple[LocalizedText, LocalizedText]] = {
    "offered": (
        LocalizedText(de="Ein Platz ist frei", en="A seat is free"),
        LocalizedText(
            de="Für dich ist ein Platz reserviert. Bitte bestätige bis {until}.",
            en="A seat is held for you. Please confirm by {until}.",
        ),
    ),
    "promoted": (
        LocalizedText(de="Du bist dabei", en="You are in"),
        LocalizedText(de="Ein Platz von der Warteliste gehört jetzt dir.", en="A seat from the waiting list is yours."),
    ),
    "approved": (
        LocalizedText(de="Buchung bestätigt", en="Booking approved"),
        LocalizedText(de="Deine Anfrage wurde angenommen.", en="Your request was approved."),
    ),
    "declined": (
        LocalizedText(de="Buchung abgelehnt", en="Booking declined"),
        LocalizedText(de="Deine Anfrage wurde abgelehnt: {reason}", en="Your request was declined: {reason}"),
    ),
    "cancelled_by_lab": (
        LocalizedText(de="Termin abgesagt", en="Session cancelled"),
        LocalizedText(
            de="Der Termin wurde vom PROJEKTOR-Team abgesagt: {reason}",
            en="The session was cancelled by the lab: {reason}",
        ),
    ),
    "reminder": (
        LocalizedText(de="Erinnerung an deine Buchung", en="Reminder of your booking"),
        LocalizedText(
            de="Es geht los um {start}. Check-in-Code: {code}", en="It starts at {start}. Check-in code: {code}"
        ),
    ),
}


async def tell(push: Any, session: AsyncSession, booking: Booking, what: str, **values: str) -> None:
    """Push ``what`` to the booking's device, in each device's language, via the outbox of ``session``
    (so it goes out if and only if the change commits)."""
    title, body = _TEXTS[what]
    await push.notify(
        Notification(
            topic=TOPIC_BOOKINGS,
            title=title,
            body=LocalizedText({lang: text.format(**values) for lang, text in body.items()}),
            deep_link=f"stadtkern://projektor/bookings/{booking.id}",
            data={"booking_id": str(booking.id), "status": booking.status},
            priority="high" if what == "offered" else "normal",
            collapse_key=f"projektor-{booking.id}",
            audience=Audience(device_ids=(booking.device_id,)),
        ),
        session=session,
    )
