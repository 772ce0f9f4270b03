"""Running one job as a recorded run: a :class:`~core.models.JobRun` row before and after."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.db import utcnow
from core.metrics import count_job_run
from core.models import JobRun

log = logging.getLogger("stadtkern.worker")

# Upper bound for the bookkeeping writes around a run (the JobRun row).
RECORD_TIMEOUT = 30.0

JobFn = Callable[[], Awaitable[None]]


async def run_recorded(
    factory: async_sessionmaker[AsyncSession], worker_id: str, key: str, run: JobFn
) -> Literal["ok", "failed", "cancelled", "skipped"]:
    """Run one job between two committed ``JobRun`` writes; never raises (except cancellation).

    Logs carry the job key only: a job's exception message may contain personal data, so it is
    kept in the traceback of the log record, not in the message.
    """
    try:
        async with asyncio.timeout(RECORD_TIMEOUT):
            async with factory() as session, session.begin():
                record = JobRun(job_key=key, worker_id=worker_id, started_at=utcnow(), outcome="running")
                session.add(record)
    except Exception:
        log.exception("job not started: its run could not be recorded", extra={"job": key})
        count_job_run(key, "skipped")
        return "skipped"
    run_id = record.id

    outcome: Literal["ok", "failed", "cancelled"] = "ok"
    try:
        await run()
    except asyncio.CancelledError:
        outcome = "cancelled"
        log.warning("job cancelled", extra={"job": key})
        raise
    except Exception:
        outcome = "failed"
        log.exception("job failed", extra={"job": key})
    finally:
        count_job_run(key, outcome)
        try:
            async with asyncio.timeout(RECORD_TIMEOUT):
                async with factory() as session, session.begin():
                    row = await session.get(JobRun, run_id)
                    if row is not None:
                        row.finished_at = utcnow()
                        row.outcome = outcome
        except Exception:
            log.exception("job finished, but its outcome could not be recorded", extra={"job": key})
    return outcome


__all__ = ["RECORD_TIMEOUT", "JobFn", "run_recorded"]
