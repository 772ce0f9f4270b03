"""iCalendar feeds of a city: fetched, parsed per VEVENT, upserted by UID, removals detected.

Reading the file is ``ical_read`` (charsets, UIDs, time zones) and ``ical_events`` (a VEVENT as
the staff API's input); this applies it. Every skipped or repaired item is a note in the
:class:`FeedResult`, which ``feed_runs`` keeps as the feed's import report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Invalid
from stadtkern_events.ical_events import to_event_in
from stadtkern_events.ical_read import FeedError, Note, Reader, parse
from stadtkern_events.models import Event
from stadtkern_events.services import remove_event, save_event
from stadtkern_events.settings import EventsSettings, FeedConfig

__all__ = ["FeedError", "FeedResult", "MassRemoval", "fetch", "sync_feed"]

MAX_FEED_BYTES = 10 * 1024 * 1024
# Fewer removals than this are never held back by the guard (a small feed's one cancelled date).
GUARD_MIN_REMOVALS = 3


class MassRemoval(FeedError):
    """The import would remove more of the feed's events than ``feed_removal_limit`` allows."""


@dataclass
class FeedResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def skip(self, uid: str, reason: str) -> None:
        self.skipped.append(uid)
        self.notes.append(Note(uid, "skipped", reason[:500]))


async def fetch(url: str, seconds: float) -> tuple[bytes, str | None]:
    """The feed's bytes and the charset its ``Content-Type`` declares (None: not declared)."""
    try:
        async with httpx.AsyncClient(timeout=seconds, follow_redirects=True) as client:
            response = await client.get(url, headers={"Accept": "text/calendar"})
    except httpx.HTTPError as exc:
        raise FeedError(f"unreachable: {type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        raise FeedError(f"HTTP {response.status_code}")
    if len(response.content) > MAX_FEED_BYTES:
        raise FeedError("larger than 10 MB")
    return response.content, response.charset_encoding


def _guard(existing: int, vanishing: int, settings: EventsSettings) -> None:
    if vanishing >= GUARD_MIN_REMOVALS and vanishing > existing * settings.feed_removal_limit:
        raise MassRemoval(
            f"refused: {vanishing} of the feed's {existing} events would be removed at once "
            f"(more than {settings.feed_removal_limit:.0%}); nothing was changed — an editor can confirm"
        )


async def sync_feed(
    session: AsyncSession,
    push: Any,
    city: ZoneInfo,
    settings: EventsSettings,
    feed: FeedConfig,
    data: bytes,
    log: logging.Logger,
    *,
    charset: str | None = None,
    confirm_removals: bool = False,
) -> FeedResult:
    """Applies one file: new UIDs created, changed ones updated, missing ones removed (guarded)."""
    parsed = parse(data, charset)
    result = FeedResult(notes=list(parsed.notes))
    result.skipped = [n.item for n in parsed.notes if n.kind == "skipped"]
    rows = (await session.scalars(select(Event).where(Event.source_feed == feed.id))).all()
    existing = {str(e.source_uid): e for e in rows}
    vanishing = [uid for uid in existing if uid not in parsed.items and uid not in parsed.unreadable]
    if not confirm_removals:
        _guard(len(existing), len(vanishing), settings)
    for uid, item in parsed.items.items():
        event = existing.get(uid)
        if event is not None and event.source_hash == item.digest:
            result.unchanged += 1
            continue
        read = Reader(uid, city)
        try:
            data_in = to_event_in(item, feed, read)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("feed %s: skipping %s: %s", feed.id, uid, exc)
            result.skip(uid, f"{type(exc).__name__}: {exc}")
            continue
        is_new = event is None
        if event is None:
            event = Event(source_feed=feed.id, source_uid=uid[:300])
        try:
            async with session.begin_nested():
                await save_event(session, push, event, data_in, settings, city, is_new=is_new)
        except Invalid as exc:
            log.warning("feed %s: skipping %s: %s", feed.id, uid, exc.extra)
            extra = exc.extra if isinstance(exc.extra, list) else []
            result.skip(uid, "; ".join(f"{e['key']}: {e['message']}" for e in extra) or "invalid")
            continue
        result.notes.extend(read.notes)
        event.source_hash = item.digest
        if is_new:
            result.created += 1
        else:
            result.updated += 1
    for uid in vanishing:
        await remove_event(session, existing[uid])
        result.notes.append(Note(uid, "removed", "no longer in the feed"))
        result.removed += 1
    await session.flush()
    return result
