"""iCalendar (RFC 5545) for bookings: one booking, a device's personal feed, the staff's day list."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence

import icalendar
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import pick
from stadtkern_projektor.models import Booking, Feed, Room, Workshop
from stadtkern_projektor.models import Session as WorkshopSession

_STATUS = {"confirmed": "CONFIRMED", "pending": "TENTATIVE", "held": "TENTATIVE", "offered": "TENTATIVE"}
LISTED = ("confirmed", "pending")


async def titles(
    session: AsyncSession, bookings: Sequence[Booking], locales: Sequence[str]
) -> dict[uuid.UUID, tuple[str, str | None]]:
    """(title, address) of each booking: the room's name, or the workshop's title and its room's address."""
    room_ids = {b.room_id for b in bookings if b.room_id}
    session_ids = {b.session_id for b in bookings if b.session_id}
    sessions = {
        s.id: s for s in await session.scalars(select(WorkshopSession).where(WorkshopSession.id.in_(session_ids)))
    }
    workshops = {
        w.id: w
        for w in await session.scalars(
            select(Workshop).where(Workshop.id.in_({s.workshop_id for s in sessions.values()}))
        )
    }
    room_ids |= {w.room_id for w in workshops.values() if w.room_id}
    rooms = {r.id: r for r in await session.scalars(select(Room).where(Room.id.in_(room_ids)))}
    result: dict[uuid.UUID, tuple[str, str | None]] = {}
    for b in bookings:
        if b.room_id is not None and b.room_id in rooms:
            room = rooms[b.room_id]
            result[b.id] = (pick(room.name, locales), room.address)
        elif b.session_id in sessions and sessions[b.session_id].workshop_id in workshops:  # type: ignore[index]
            workshop = workshops[sessions[b.session_id].workshop_id]  # type: ignore[index]
            place = rooms.get(workshop.room_id) if workshop.room_id else None
            result[b.id] = (pick(workshop.title, locales), place.address if place else None)
        else:
            result[b.id] = ("PROJEKTOR", None)
    return result


def calendar(
    bookings: Sequence[Booking], names: dict[uuid.UUID, tuple[str, str | None]], city: str, *, name: str
) -> bytes:
    """The bookings as one VCALENDAR; each VEVENT's UID stays the same across downloads."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Stadtkern//projektor//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = dt.datetime.now(dt.UTC)
    for booking in bookings:
        title, address = names.get(booking.id, ("PROJEKTOR", None))
        event = icalendar.Event()
        event.add("uid", f"{booking.id}@projektor.{city}.stadtkern")
        event.add("dtstamp", stamp)
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        event.add("summary", title)
        event.add("status", _STATUS.get(booking.status, "CANCELLED"))
        if address:
            event.add("location", address)
        cal.add_component(event)
    return bytes(cal.to_ical())


def token_hash(key: bytes, token: str) -> str:
    """The keyed hash a feed token is stored and looked up by."""
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


async def new_feed(session: AsyncSession, key: bytes, device_id: uuid.UUID) -> str:
    """A fresh secret token for the device's feed; any earlier URL stops working."""
    await session.execute(delete(Feed).where(Feed.device_id == device_id))
    token = secrets.token_urlsafe(24)
    session.add(Feed(device_id=device_id, token_hash=token_hash(key, token)))
    await session.flush()
    return token


async def feed_device(session: AsyncSession, key: bytes, token: str) -> uuid.UUID | None:
    """The device a feed token belongs to, if it is still valid."""
    found: uuid.UUID | None = await session.scalar(
        select(Feed.device_id).where(Feed.token_hash == token_hash(key, token))
    )
    return found
