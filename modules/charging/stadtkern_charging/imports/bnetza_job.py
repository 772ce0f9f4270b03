"""Importing the register: download to a file (bounded memory), stream its rows, keep the city's."""

from __future__ import annotations

import codecs
import datetime as dt
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stadtkern_charging.area import inside
from stadtkern_charging.imports.bnetza import read_rows, to_record
from stadtkern_charging.imports.report import Report, finish_run, start_run
from stadtkern_charging.models import ImportRun, Location
from stadtkern_charging.ocpi.records import LocationRecord
from stadtkern_charging.ocpi.values import Rejected
from stadtkern_charging.services.status import set_status
from stadtkern_charging.services.store import tree, write_location
from stadtkern_charging.settings import ChargingSettings, Source

BATCH = 500


def open_text(path: Path) -> TextIO:
    """The file's lines as text: UTF-8 (with or without BOM), else Windows-1252 as older exports were."""
    with path.open("rb") as probe:
        head = probe.read(1 << 16)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        encoding = "cp1252"
    return path.open(encoding=encoding, newline="")


async def _remove_missing(session: AsyncSession, source: str, seen: set[str]) -> int:
    """A register download is complete: facilities it no longer lists are gone."""
    stmt = select(Location).where(Location.source == source).options(*tree())
    gone = 0
    for row in (await session.scalars(stmt)).all():
        if row.source_id not in seen:
            for evse in row.evses:
                set_status(session, evse, "REMOVED", source=source, live=False)
            gone += 1
    return gone


async def import_lines(
    sessions: async_sessionmaker[AsyncSession], source: str, lines: Iterable[str], settings: ChargingSettings
) -> Report:
    """Every row of the export inside the city's area, written in batches of ``BATCH`` (one transaction each)."""
    report, seen, batch = Report(), set[str](), list[LocationRecord]()
    updated = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for item in read_rows(lines):
        if isinstance(item, dt.date):
            updated = dt.datetime.combine(item, dt.time(), tzinfo=dt.UTC)
            continue
        name = item.get("id") or f"line {item.line}"
        try:
            record = to_record(item, updated)
        except Rejected as exc:
            report.reject(name, str(exc))
            continue
        if not inside(settings.area, record.lat, record.lon):
            report.outside += 1
            continue
        batch.append(record)
        if len(batch) >= BATCH:
            await _write(sessions, source, batch, report, seen)
            batch = []
    await _write(sessions, source, batch, report, seen)
    async with sessions() as session, session.begin():
        removed = await _remove_missing(session, source, seen)
    if removed:
        report.tell("*", f"{removed} facilities no longer in the register: their charge points are REMOVED")
    return report


async def _write(
    sessions: async_sessionmaker[AsyncSession],
    source: str,
    records: list[LocationRecord],
    report: Report,
    seen: set[str],
) -> None:
    async with sessions() as session, session.begin():
        for record in records:
            await write_location(session, source, record)
            seen.add(record.source_id)
            report.accept(record.ocpi_id, record.warnings, record.repaired)


async def import_file(
    sessions: async_sessionmaker[AsyncSession], source: str, path: Path, settings: ChargingSettings
) -> ImportRun:
    """One run over a downloaded export, with its report."""
    run = await start_run(sessions, source, "bnetza")
    try:
        with open_text(path) as lines:
            report = await import_lines(sessions, source, lines, settings)
    except Rejected as exc:
        return await finish_run(sessions, run, Report(), f"not a register export: {exc}")
    return await finish_run(sessions, run, report)


async def import_register(
    sessions: async_sessionmaker[AsyncSession], source: Source, settings: ChargingSettings
) -> ImportRun:
    """Download the register (streamed to a temporary file) and import it."""
    with tempfile.TemporaryDirectory(prefix="charging-register-") as folder:
        path = Path(folder) / "register.csv"
        try:
            async with (
                httpx.AsyncClient(timeout=source.timeout_seconds, follow_redirects=True) as client,
                client.stream("GET", source.url) as response,
            ):
                response.raise_for_status()
                with path.open("wb") as out:
                    async for chunk in response.aiter_bytes(1 << 16):
                        out.write(chunk)
        except httpx.HTTPError as exc:
            run = await start_run(sessions, source.id, "bnetza")
            return await finish_run(sessions, run, Report(), f"download failed: {type(exc).__name__}")
        return await import_file(sessions, source.id, path, settings)
