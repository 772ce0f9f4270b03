"""Scheduled jobs: reminders (polling claimed rows), feed import, keeping expansions ahead of time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select

from core.api import Audience, JobContext, Notification, is_postgres, utcnow
from schemas import LocalizedText
from stadtkern_events.cache import bump_version
from stadtkern_events.feed_runs import run_import
from stadtkern_events.feeds import FeedResult
from stadtkern_events.models import REMINDER_PENDING, REMINDER_SENT, REMINDER_SKIPPED, Event, Occurrence, Reminder
from stadtkern_events.services import (
    PAST_KEPT,
    TOPIC_REMINDERS,
    labelled,
    rebuild_occurrences,
    schedule_reminders,
)
from stadtkern_events.settings import EventsSettings

REMINDER_BATCH = 200
REMINDER_LABEL = LocalizedText(de="Erinnerung", en="Reminder")


async def send_reminders(ctx: JobContext[EventsSettings], now: dt.datetime | None = None) -> int:
    """Claims due reminder rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and pushes each once."""
    now = now or utcnow()
    sent = 0
    async with ctx.session_factory() as session, session.begin():
        stmt = (
            select(Reminder)
            .where(Reminder.state == REMINDER_PENDING, Reminder.due_at <= now)
            .order_by(Reminder.due_at)
            .limit(REMINDER_BATCH)
        )
        if is_postgres(session):
            stmt = stmt.with_for_update(skip_locked=True)
        due = list((await session.scalars(stmt)).all())
        touched: dict[Any, Event] = {}
        for reminder in due:
            event = await session.get(Event, reminder.event_id)
            occurrence = await session.scalar(
                select(Occurrence).where(
                    Occurrence.event_id == reminder.event_id, Occurrence.starts_at == reminder.occurrence_start
                )
            )
            if event is None or not event.published or occurrence is None or occurrence.status == "cancelled":
                reminder.state = REMINDER_SKIPPED
                continue
            if reminder.occurrence_start <= now:  # the worker was down past the start: too late to remind
                reminder.state = REMINDER_SKIPPED
                touched[event.id] = event
                continue
            local = reminder.occurrence_start.astimezone(ctx.tenant.time_zone)
            when = local.strftime("%d.%m.%Y %H:%M") if not event.all_day else local.strftime("%d.%m.%Y")
            await ctx.push.notify(
                Notification(
                    topic=TOPIC_REMINDERS,
                    title=labelled(REMINDER_LABEL, event.title, ctx.tenant.locales),
                    body=LocalizedText(de=f"Beginnt am {when}", en=f"Starts {when}"),
                    deep_link=f"stadtkern://events/{event.id}",
                    data={"event_id": str(event.id), "start": reminder.occurrence_start.isoformat()},
                    collapse_key=f"events-r-{event.id}"[:64],
                    ttl_seconds=max(60, int((reminder.occurrence_start - now).total_seconds())),
                    audience=Audience(device_ids=(reminder.device_id,)),
                ),
                session=session,
            )
            reminder.state = REMINDER_SENT
            reminder.sent_at = now
            touched[event.id] = event
            sent += 1
        await session.flush()
        for event in touched.values():  # recurring: plan the next date's reminder
            await schedule_reminders(session, event, now=now)
    if sent:
        ctx.log.info("sent %d event reminders", sent, extra={"city": ctx.tenant.slug})
    return sent


async def import_feeds(ctx: JobContext[EventsSettings]) -> dict[str, Any]:
    """Each feed in its own transaction: a broken, unreachable or refused feed is logged, recorded
    (``GET /feeds``) and skipped; the others go on."""
    results: dict[str, Any] = {}
    extra = {"city": ctx.tenant.slug}
    for feed in ctx.settings.feeds:
        _, result = await run_import(
            ctx.session_factory,
            ctx.push,
            ctx.tenant.time_zone,
            ctx.settings,
            feed,
            ctx.log,
            tenant=ctx.tenant.slug,
            extra=extra,
        )
        results[feed.id] = result
        if isinstance(result, FeedResult):
            ctx.log.info(
                "feed %s: %d new, %d updated, %d removed, %d skipped",
                feed.id,
                result.created,
                result.updated,
                result.removed,
                len(result.skipped),
                extra=extra,
            )
    return results


async def extend_horizon(ctx: JobContext[EventsSettings]) -> int:
    """Re-expands recurring events whose occurrences run out within a day; drops long-past occurrences."""
    now = utcnow()
    threshold = now + dt.timedelta(days=ctx.settings.horizon_days - 1)
    count = 0
    async with ctx.session_factory() as session, session.begin():
        await bump_version(session)  # old occurrences go, new ones come
        stale = (
            await session.scalars(
                select(Event).where(
                    Event.expanded_until < threshold,
                    (Event.rrule.is_not(None)),
                )
            )
        ).all()
        for event in stale:
            await rebuild_occurrences(session, event, ctx.settings)
            count += 1
        await session.execute(delete(Occurrence).where(Occurrence.ends_at < now - PAST_KEPT))
    return count


async def run_reminders(ctx: JobContext[EventsSettings]) -> None:
    await send_reminders(ctx)


async def run_feeds(ctx: JobContext[EventsSettings]) -> None:
    await import_feeds(ctx)


async def run_horizon(ctx: JobContext[EventsSettings]) -> None:
    await extend_horizon(ctx)
