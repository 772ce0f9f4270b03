"""A pull of one OCPI source into the city's Locations, page by page (each page its own transaction)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stadtkern_charging.area import inside
from stadtkern_charging.imports.report import Report, finish_run, start_run
from stadtkern_charging.models import ImportRun
from stadtkern_charging.ocpi.client import Page, SourceError, pull_pages
from stadtkern_charging.ocpi.location import parse_location
from stadtkern_charging.ocpi.values import Rejected
from stadtkern_charging.services.store import write_location
from stadtkern_charging.settings import ChargingSettings, Source

# The next date_from lies this far before the last pull's start: a row committed while it ran is read again.
OVERLAP = dt.timedelta(minutes=2)


async def last_good_run(session: AsyncSession, source: str) -> ImportRun | None:
    """The latest run of the source that completed."""
    stmt = (
        select(ImportRun)
        .where(ImportRun.source == source, ImportRun.ok.is_(True))
        .order_by(ImportRun.started_at.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


def _record_name(raw: object, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str | int):
        return f"{raw.get('country_code', '?')}*{raw.get('party_id', '?')}*{raw['id']}"
    return f"#{index}"


async def store_page(
    sessions: async_sessionmaker[AsyncSession], source: Source, settings: ChargingSettings, page: Page, report: Report
) -> None:
    """Every record of the page that can be kept, in one transaction; the rest is reported."""
    for remark in page.remarks:
        report.tell("*", remark)
    async with sessions() as session, session.begin():
        for i, raw in enumerate(page.records):
            name = _record_name(raw, i)
            try:
                record = parse_location(raw)
            except Rejected as exc:
                report.reject(name, str(exc))
                continue
            if not inside(settings.area, record.lat, record.lon):
                report.outside += 1
                continue
            record.live = source.live if source.live is not None else True
            await write_location(session, source.id, record)
            report.accept(name, record.warnings, record.repaired)


async def pull_source(
    sessions: async_sessionmaker[AsyncSession],
    source: Source,
    settings: ChargingSettings,
    *,
    client: httpx.AsyncClient | None = None,
) -> ImportRun:
    """One pull: incremental from the last completed run's clock, every page, one report."""
    async with sessions() as session:
        previous = await last_good_run(session, source.id)
    date_from = previous.next_date_from if previous else None
    run = await start_run(sessions, source.id, "ocpi")
    report, error, server_time = Report(), None, None
    token = os.environ.get(source.token_env) if source.token_env else None
    try:
        async with contextlib.AsyncExitStack() as stack:
            if client is None:
                client = await stack.enter_async_context(httpx.AsyncClient(timeout=source.timeout_seconds))
            pages = pull_pages(
                client,
                source.url,
                token=token,
                version=source.ocpi_version,
                limit=source.page_limit,
                date_from=date_from,
                max_pages=settings.max_pages,
            )
            async for page in pages:
                server_time = server_time or page.server_time
                await store_page(sessions, source, settings, page, report)
    except SourceError as exc:
        error = str(exc)
    run.next_date_from = (server_time or run.started_at) - OVERLAP
    return await finish_run(sessions, run, report, error)
