"""Scheduled jobs: the worker runs each once per city that enables the module."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from core.api import JobContext, ScheduledJob, utcnow
from stadtkern_projektor.models import Booking, Session
from stadtkern_projektor.services.attendance import mark_no_shows, send_reminders
from stadtkern_projektor.services.holds import expire_due
from stadtkern_projektor.services.waitlist import promote
from stadtkern_projektor.settings import ProjektorSettings


async def release_holds(ctx: JobContext[ProjektorSettings]) -> None:
    """Holds and waiting-list offers that ran out free their slot or seat; the next one waiting
    gets the seat offered (push) in the same transaction."""
    now = utcnow()
    async with ctx.session_factory() as session, session.begin():
        expired = await expire_due(session, ctx.settings, ctx.push, now, tz=ctx.tenant.time_zone)
        # Seats freed where no push could go out at once (a device deleting its data): offer them now.
        stranded = select(Session.id).where(
            Session.seats_taken < Session.seats,
            Session.cancelled_at.is_(None),
            Session.starts_at > now,
            Session.id.in_(select(Booking.session_id).where(Booking.status == "waiting")),
        )
        for session_id in list(await session.scalars(stranded)):
            await promote(session, ctx.settings, ctx.push, session_id, now, ctx.tenant.time_zone)
    if expired:
        ctx.log.info("projektor: %d holds or offers ran out", expired)


async def forget_contacts(ctx: JobContext[ProjektorSettings]) -> None:
    """Participants' names and e-mail addresses go a set time after their session."""
    cutoff = utcnow() - dt.timedelta(days=ctx.settings.contact_retention_days)
    async with ctx.session_factory() as session, session.begin():
        await session.execute(
            update(Booking)
            .where(
                Booking.ends_at < cutoff, Booking.participant_email.is_not(None) | Booking.participant_name.is_not(None)
            )
            .values(participant_name=None, participant_email=None, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )


async def attendance(ctx: JobContext[ProjektorSettings]) -> None:
    """No-shows after the grace period release their slot or seat; reminders go out."""
    now = utcnow()
    async with ctx.session_factory() as session, session.begin():
        missed = await mark_no_shows(session, ctx.settings, ctx.push, now, ctx.tenant.time_zone)
        reminded = await send_reminders(session, ctx.settings, ctx.push, now, ctx.tenant.time_zone)
    if missed or reminded:
        ctx.log.info("projektor: %d no-shows, %d reminders", missed, reminded)


JOBS = (
    ScheduledJob(id="release-holds", run=release_holds, every_seconds=30, jitter=5),
    ScheduledJob(id="attendance", run=attendance, every_seconds=300, jitter=30),
    ScheduledJob(id="forget-contacts", run=forget_contacts, cron="40 3 * * *", jitter=600),
)
