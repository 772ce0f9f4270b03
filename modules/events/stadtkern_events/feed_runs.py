"""One import of a feed or an uploaded file, run and kept as the feed's report (``events_feed_run``)."""

from __future__ import annotations

import logging
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import ImportMeter, utcnow
from stadtkern_events.feeds import FeedError, FeedResult, MassRemoval, fetch, sync_feed
from stadtkern_events.models import FeedNoteKind, FeedRun
from stadtkern_events.schemas import FeedNote, FeedRunOut
from stadtkern_events.services import refresh_statistics
from stadtkern_events.settings import EventsSettings, FeedConfig

# A report keeps this many notes (the counts are always complete).
MAX_NOTES = 500
# Every run on /metrics by feed and outcome, beside its report in events_feed_run.
IMPORTS = ImportMeter("events")
# The report's counts, also the records' outcomes on /metrics (None until stored: a failed run has none).
COUNTS = ("created", "updated", "unchanged", "removed", "skipped")


async def run_import(
    sessions: async_sessionmaker[AsyncSession],
    push: Any,
    city: ZoneInfo,
    settings: EventsSettings,
    feed: FeedConfig,
    log: logging.Logger,
    *,
    tenant: str,
    upload: tuple[bytes, str | None] | None = None,
    confirm_removals: bool = False,
    extra: dict[str, Any] | None = None,
) -> tuple[FeedRun, FeedResult | Exception]:
    """Fetches (or takes the uploaded file), applies it in its own transaction, records the run.

    A refused (mass-removal guard) or failed import changes nothing and is recorded and logged
    too; it never raises. ``tenant`` is the city's slug (the run's label on ``/metrics``)."""
    run = FeedRun(feed=feed.id, kind="upload" if upload else "feed", started_at=utcnow(), outcome="ok")
    outcome: FeedResult | Exception
    try:
        data, charset = upload if upload is not None else await fetch(feed.url, settings.feed_timeout_seconds)
        run.fetched_bytes = len(data)
        async with sessions() as session, session.begin():
            outcome = await sync_feed(
                session, push, city, settings, feed, data, log, charset=charset, confirm_removals=confirm_removals
            )
            await refresh_statistics(session, outcome.created + outcome.updated + outcome.removed)
    except MassRemoval as exc:
        log.error("feed %s: import refused by the mass-removal guard: %s", feed.id, exc, extra=extra)
        run.outcome, run.error, outcome = "refused", str(exc)[:500], exc
    except FeedError as exc:
        log.warning("feed %s skipped: %s", feed.id, exc, extra=extra)
        run.outcome, run.error, outcome = "failed", str(exc)[:500], exc
    except Exception as exc:  # one bad feed must never stop the others
        log.exception("feed %s failed", feed.id, extra=extra)
        # The exception's text (SQL, parameters) stays in the log; editors learn that it failed.
        run.outcome, run.error, outcome = "failed", f"internal error ({type(exc).__name__}); see the log", exc
    if isinstance(outcome, FeedResult):
        run.created, run.updated, run.unchanged = outcome.created, outcome.updated, outcome.unchanged
        run.removed, run.skipped = outcome.removed, len(outcome.skipped)
        run.notes = [{"item": n.item[:300], "kind": n.kind, "message": n.message[:500]} for n in outcome.notes][
            :MAX_NOTES
        ]
    run.finished_at = utcnow()
    # Counted before the report is stored: the import itself is over, whether or not that write succeeds.
    IMPORTS.record(tenant, feed.id, run.outcome, **{name: getattr(run, name) or 0 for name in COUNTS})
    async with sessions() as session, session.begin():
        session.add(run)
    return run, outcome


def run_out(row: FeedRun) -> FeedRunOut:
    return FeedRunOut(
        id=row.id,
        feed=row.feed,
        kind=row.kind,
        started_at=row.started_at,
        finished_at=row.finished_at,
        outcome=row.outcome,
        error=row.error,
        fetched_bytes=row.fetched_bytes,
        created=row.created,
        updated=row.updated,
        unchanged=row.unchanged,
        removed=row.removed,
        skipped=row.skipped,
        notes=[FeedNote(item=n["item"], kind=cast(FeedNoteKind, n["kind"]), message=n["message"]) for n in row.notes],
    )
