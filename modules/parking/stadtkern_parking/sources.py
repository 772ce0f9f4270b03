"""Running one configured source: fetch, parse off the event loop, store, and report the pull.

Every pull leaves an ``ImportRun`` row (accepted, repaired, rejected, the first issues), also
when the feed was unreachable or broken; what an earlier pull stored is never lost to a bad one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import ImportMeter, city_of, utcnow
from stadtkern_parking import datex2
from stadtkern_parking.alerts import store_and_notify
from stadtkern_parking.fetch import FeedError, fetch
from stadtkern_parking.fiware import parse_fiware
from stadtkern_parking.ingest import upsert_facilities
from stadtkern_parking.models import ImportRun
from stadtkern_parking.opendatasoft import parse_opendatasoft
from stadtkern_parking.records import Parsed, ParseError, Report
from stadtkern_parking.settings import SourceConfig

RUNS_KEPT = dt.timedelta(days=7)
log = logging.getLogger("stadtkern.jobs.parking")
# Every pull on /metrics by source and result, beside its ImportRun row.
IMPORTS = ImportMeter("parking")


Parser = Callable[[IO[bytes], SourceConfig, ZoneInfo, Report], Parsed]


def parse_datex2(body: IO[bytes], source: SourceConfig, tz: ZoneInfo, report: Report) -> Parsed:
    """A DATEX II delivery (table or status, either flavour, or the empty delivery)."""
    try:
        delivery = datex2.parse(body, tz, report, source.default_kind)
    except datex2.NotDatex2 as exc:
        raise ParseError(str(exc)) from None
    return Parsed(static=delivery.static, status=delivery.status, empty=delivery.empty)


PARSERS: dict[str, Parser] = {"datex2": parse_datex2, "fiware": parse_fiware, "opendatasoft": parse_opendatasoft}
ACCEPT = {"datex2": "application/xml, text/xml", "fiware": "application/json", "opendatasoft": "application/json"}


def defaults_of(source: SourceConfig) -> dict[str, Any]:
    """Facility fields the source's settings give every facility it creates."""
    values: dict[str, Any] = {"kind": source.default_kind, "park_and_ride": source.park_and_ride}
    if source.district:
        values["district"] = source.district
    return values


async def store(
    session: AsyncSession,
    source: SourceConfig,
    parsed: Parsed,
    report: Report,
    now: dt.datetime,
    push: Any = None,
    tz: ZoneInfo | None = None,
) -> None:
    """Facilities first (a combined feed's states then find them), then the states.

    A combined feed (FIWARE, Opendatasoft: one record holds both) is counted once per record,
    by its live part; the static part's repairs still appear among the issues.
    """
    if parsed.static:
        combined = bool(parsed.status)
        static_report = Report() if combined else report
        await upsert_facilities(session, source.id, parsed.static, static_report, defaults_of(source))
        if combined:
            for issue in static_report.issues:
                report.note(issue["record"], issue["field"], issue["message"], issue["action"])
    if parsed.status:
        await store_and_notify(session, push, tz or ZoneInfo("UTC"), source.id, parsed.status, report, now)


async def last_pull(session: AsyncSession, source: str, part: str) -> dt.datetime | None:
    """When the source's part was last pulled (successfully or not)."""
    stmt = select(func.max(ImportRun.started_at)).where(ImportRun.source == source, ImportRun.part == part)
    result: dt.datetime | None = await session.scalar(stmt)
    return result


async def _parse(kind: str, url: str, source: SourceConfig, tz: ZoneInfo, report: Report) -> Parsed:
    body = await fetch(url, source.timeout_seconds, ACCEPT.get(kind, "*/*"))
    try:
        # lxml and json are synchronous and CPU-bound: a worker thread keeps the loop free.
        return await asyncio.to_thread(PARSERS[kind], body, source, tz, report)
    finally:
        body.close()


async def pull(
    sessions: async_sessionmaker[AsyncSession],
    source: SourceConfig,
    part: str,
    url: str,
    tz: ZoneInfo,
    push: Any = None,
) -> ImportRun:
    """One pull of one part of a source, reported in an ``ImportRun`` row (returned, committed)."""
    report = Report()
    started = utcnow()
    error: str | None = None
    try:
        parsed = await _parse(source.type, url, source, tz, report)
        async with sessions() as session, session.begin():
            await store(session, source, parsed, report, utcnow(), push, tz)
        if parsed.empty:
            report.note("(delivery)", "payloadPublication", "empty delivery: nothing to import", "accepted")
    except (FeedError, ParseError) as exc:
        error = str(exc)[:500]
    except Exception as exc:  # a bad record must not stop the source's next pull; staff see why
        error = f"import failed: {type(exc).__name__}"
        log.exception("parking source %s/%s: import failed", source.id, part)
        report = Report(rejected=report.rejected + report.accepted + report.repaired, issues=report.issues)
    run = ImportRun(
        source=source.id,
        part=part,
        started_at=started,
        finished_at=utcnow(),
        ok=error is None,
        accepted=report.accepted,
        repaired=report.repaired,
        rejected=report.rejected,
        error=error,
        issues=report.issues,
    )
    async with sessions() as session, session.begin():
        city = city_of(session)  # the city of the job's sessions: the run's row belongs to it too
        session.add(run)
        await session.execute(delete(ImportRun).where(ImportRun.started_at < started - RUNS_KEPT))
    result = "ok" if run.ok else "failed"
    IMPORTS.record(city or "", source.id, result, accepted=run.accepted, repaired=run.repaired, rejected=run.rejected)
    return run


async def due_parts(session: AsyncSession, source: SourceConfig, now: dt.datetime) -> list[tuple[str, str]]:
    """(part, url) of the source that are due: the table every few hours, the live part each interval."""
    due: list[tuple[str, str]] = []
    plan = [("static", source.static_url, source.static_every_seconds), ("realtime", source.url, source.every_seconds)]
    for part, url, every in plan:
        if url is None:
            continue
        last = await last_pull(session, source.id, part)
        # a little slack: a job firing every minute must not skip a source due every 60 s
        if last is None or (now - last).total_seconds() >= every - 5:
            due.append((part, url))
    return due
