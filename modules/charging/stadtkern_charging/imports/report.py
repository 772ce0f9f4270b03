"""What one run of one source did: the per-source report staff read (accepted, repaired, rejected)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import ImportMeter, city_of, utcnow
from stadtkern_charging.models import ImportRun
from stadtkern_charging.settings import SourceType

MAX_MESSAGES = 200
# Every run on /metrics by source and result, beside its ImportRun row.
IMPORTS = ImportMeter("charging")


@dataclass(slots=True)
class Report:
    """Counts and the first messages of a run."""

    accepted: int = 0
    repaired: int = 0
    rejected: int = 0
    outside: int = 0
    messages: list[dict[str, str]] = field(default_factory=list)

    def tell(self, record: str, message: str) -> None:
        """A message about one record (or the source, ``record="*"``), kept while there is room."""
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append({"record": record[:120], "message": message[:500]})

    def accept(self, record: str, warnings: list[str], repaired: bool) -> None:
        """A record kept; repaired when a value was changed to fit."""
        self.accepted += 1
        if repaired:
            self.repaired += 1
        for warning in warnings[:5]:
            self.tell(record, warning)

    def reject(self, record: str, message: str) -> None:
        """A record not kept, and why."""
        self.rejected += 1
        self.tell(record, f"rejected: {message}")


async def start_run(sessions: async_sessionmaker[AsyncSession], source: str, kind: SourceType) -> ImportRun:
    """The run's row, committed at once so that a crash still leaves a trace."""
    async with sessions() as session, session.begin():
        run = ImportRun(source=source, kind=kind, started_at=utcnow())
        session.add(run)
    return run


async def finish_run(
    sessions: async_sessionmaker[AsyncSession], run: ImportRun, report: Report, error: str | None = None
) -> ImportRun:
    """The run's counts and outcome; ``error`` set means the source failed (what it delivered is kept)."""
    async with sessions() as session, session.begin():
        row = await session.get(ImportRun, run.id)
        assert row is not None
        row.finished_at = utcnow()
        row.accepted, row.repaired, row.rejected, row.outside = (
            report.accepted,
            report.repaired,
            report.rejected,
            report.outside,
        )
        row.messages = report.messages
        row.ok = error is None
        row.error = error[:500] if error else None
        row.next_date_from = run.next_date_from if error is None else None
        city = city_of(session)  # the city of the job's sessions: the run's row belongs to it too
    IMPORTS.record(
        city or "",
        row.source,
        "ok" if row.ok else "failed",
        accepted=report.accepted,
        repaired=report.repaired,
        rejected=report.rejected,
        outside=report.outside,
    )
    return row
