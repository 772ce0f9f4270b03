"""Scheduled jobs: consent renewal reminders, the purge of expired pool records, and the reordering
that keeps survey answers unlinkable in storage (``anonymity.py``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_, select

from core.api import JobContext, ScheduledJob, utcnow
from stadtkern_participation.anonymity import reorder_anonymous
from stadtkern_participation.mail import link, reminder_text, send_mail
from stadtkern_participation.models import PoolMember
from stadtkern_participation.services.pool import drop_pending
from stadtkern_participation.settings import ParticipationSettings
from stadtkern_participation.tokens import new_token


async def send_reminders(ctx: JobContext[ParticipationSettings]) -> None:
    """Consent ends within ``reminder_days``: one mail with a renewal link (and a withdraw link)."""
    now = utcnow()
    horizon = now + dt.timedelta(days=ctx.settings.reminder_days)
    async with ctx.session_factory() as session, session.begin():
        stmt = select(PoolMember).where(
            PoolMember.confirmed_at.is_not(None),
            PoolMember.reminder_sent_at.is_(None),
            PoolMember.consent_expires_at > now,
            PoolMember.consent_expires_at <= horizon,
        )
        due = list(await session.scalars(stmt))
        outgoing: list[tuple[str, str, str]] = []
        for member in due:
            renew, renew_hash = new_token()
            manage, manage_hash = new_token()
            member.confirm_token_hash = renew_hash
            member.manage_token_hash = manage_hash
            member.reminder_sent_at = now
            outgoing.append((member.email, renew, manage))
    for email, renew, manage in outgoing:
        subject, body = reminder_text(
            link(ctx.settings, ctx.tenant.slug, "pool/confirm", renew),
            link(ctx.settings, ctx.tenant.slug, "pool/manage", manage),
        )
        await send_mail(ctx.settings, email, subject, body)
    ctx.log.info("participation: %d consent reminders sent", len(outgoing))


async def purge_expired(ctx: JobContext[ParticipationSettings]) -> None:
    """Delete pool records whose consent has ended and registrations never confirmed; forget
    requested changes not confirmed within ``unconfirmed_days``."""
    now = utcnow()
    stale = now - dt.timedelta(days=ctx.settings.unconfirmed_days)
    async with ctx.session_factory() as session, session.begin():
        for member in await session.scalars(select(PoolMember).where(PoolMember.pending_at < stale)):
            drop_pending(member)
        result = await session.execute(
            delete(PoolMember).where(
                or_(
                    PoolMember.consent_expires_at < now,
                    (PoolMember.confirmed_at.is_(None)) & (PoolMember.created_at < stale),
                ),
            )
        )
    ctx.log.info("participation: %d expired pool records purged", getattr(result, "rowcount", 0))


JOBS = (
    ScheduledJob(id="pool-reminders", run=send_reminders, cron="0 9 * * *", jitter=600),
    ScheduledJob(id="pool-purge", run=purge_expired, cron="30 3 * * *", jitter=600),
    # Every minute: how long a new answer may share its transaction id, storage order or WAL frames
    # with its marker and its device. A run without new rows only reads (one scan of the three tables).
    ScheduledJob(id="anonymity-reorder", run=reorder_anonymous, every_seconds=60, jitter=10),
)
