"""The Ideenpool's scheduled work: threads whose item another module deleted go too.

An offer is deleted in participation, which knows nothing of the dialogue; the thread, its
comments and pseudonyms would stay behind, readable by no one and still personal data. Once a day
each subject's ``lookup`` is asked which items still exist. A subject no module of the city
declares any more (the city switched participation off) is left alone: switching it back on
brings its threads back, and the devices' own export and delete still reach them.
"""

from __future__ import annotations

from sqlalchemy import select

from core.api import JobContext, ScheduledJob
from stadtkern_ideas.models import Thread
from stadtkern_ideas.services.removal import delete_thread
from stadtkern_ideas.settings import IdeasSettings

CHUNK = 500  # item ids per lookup: one IN list well inside every database's parameter limit


async def drop_orphan_threads(ctx: JobContext[IdeasSettings]) -> None:
    """Deletes the threads of items that no longer exist, per subject the city's modules declare."""
    dropped = 0
    async with ctx.session_factory() as session:
        for subject in ctx.tenant.discussion_subjects:
            threads = list(await session.scalars(select(Thread).where(Thread.subject == subject.id)))
            for start in range(0, len(threads), CHUNK):
                chunk = threads[start : start + CHUNK]
                known = await subject.lookup(session, [t.subject_id for t in chunk])
                for thread in chunk:
                    if thread.subject_id not in known:
                        await delete_thread(session, thread)
                        dropped += 1
        await session.commit()
    if dropped:
        ctx.log.info("ideas %s: deleted %d threads of items that no longer exist", ctx.tenant.slug, dropped)


JOBS = (ScheduledJob(id="orphan-threads", run=drop_orphan_threads, cron="40 3 * * *", jitter=600),)
