"""Importing AFIR DATEX II v3: static sites into Locations, status publications onto EVSEs of any source."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stadtkern_charging.area import inside
from stadtkern_charging.imports.afir import StatusUpdate, site_record, static_sites, status_updates
from stadtkern_charging.imports.report import Report, finish_run, start_run
from stadtkern_charging.models import Evse, ImportRun
from stadtkern_charging.ocpi.values import Rejected
from stadtkern_charging.services.status import evse_key, set_statuses
from stadtkern_charging.services.store import write_location
from stadtkern_charging.settings import ChargingSettings, Source

CHUNK = 500


async def import_static(
    sessions: async_sessionmaker[AsyncSession], source: str, doc: Any, settings: ChargingSettings
) -> Report:
    """Every site of the table inside the city, in one transaction."""
    report = Report()
    sites = static_sites(doc)
    head = next(sites)
    assert isinstance(head, tuple)
    country, party, published = head
    async with sessions() as session, session.begin():
        for site in sites:
            assert isinstance(site, dict)
            name = str(site.get("idG", "?"))
            try:
                record = site_record(site, country, party, published)
            except Rejected as exc:
                report.reject(name, str(exc))
                continue
            if not inside(settings.area, record.lat, record.lon):
                report.outside += 1
                continue
            await write_location(session, source, record)
            report.accept(name, record.warnings, record.repaired)
    return report


async def _targets(session: AsyncSession, chunk: list[StatusUpdate]) -> dict[str, list[tuple[Any, str]]]:
    """(EVSE id, status) by EVSE key, and by uid for references that are no EVSE id we know."""
    keys = {evse_key(u.ref) for u in chunk} - {None}
    by_key: dict[str, list[tuple[Any, str]]] = {}
    rows = await session.execute(select(Evse.id, Evse.evse_key, Evse.status).where(Evse.evse_key.in_(keys)))
    for evse_id, key, status in rows.all():
        by_key.setdefault(str(key), []).append((evse_id, status))
    rest = [u.ref for u in chunk if evse_key(u.ref) not in by_key]
    if rest:
        by_uid = await session.execute(select(Evse.id, Evse.uid, Evse.status).where(Evse.uid.in_(rest)))
        for evse_id, uid, status in by_uid.all():
            by_key.setdefault(uid, []).append((evse_id, status))
    return by_key


async def apply_statuses(sessions: async_sessionmaker[AsyncSession], source: str, doc: Any) -> Report:
    """Each status onto the city's EVSE with that EVSE id (any source: the live status wins), or that uid."""
    report = Report()
    updates = list(status_updates(doc))
    async with sessions() as session, session.begin():
        for start in range(0, len(updates), CHUNK):
            chunk = updates[start : start + CHUNK]
            by_key = await _targets(session, chunk)
            changes = []
            for update in chunk:
                matches = by_key.get(evse_key(update.ref) or "", []) or by_key.get(update.ref, [])
                if not matches:
                    report.reject(update.ref, "no EVSE with this id in the city")
                    continue
                changes += [(evse_id, current, update.status, update.at) for evse_id, current in matches]
                report.accept(update.ref, [], False)
            await set_statuses(session, changes, source=source)
    return report


async def _fetch(source: Source) -> Any:
    async with httpx.AsyncClient(timeout=source.timeout_seconds, follow_redirects=True) as client:
        response = await client.get(source.url, headers={"Accept": "application/json"})
        response.raise_for_status()
        return response.json()


async def import_afir(
    sessions: async_sessionmaker[AsyncSession], source: Source, settings: ChargingSettings
) -> ImportRun:
    """One run of an AFIR source (static table or status publication)."""
    run = await start_run(sessions, source.id, source.type)
    try:
        doc = await _fetch(source)
    except (httpx.HTTPError, ValueError) as exc:
        return await finish_run(sessions, run, Report(), f"download failed: {type(exc).__name__}")
    try:
        if source.type == "afir_static":
            report = await import_static(sessions, source.id, doc, settings)
        else:
            report = await apply_statuses(sessions, source.id, doc)
    except Rejected as exc:
        return await finish_run(sessions, run, Report(), f"not an AFIR DATEX II v3 document: {exc}")
    run.next_date_from = dt.datetime.now(dt.UTC)
    return await finish_run(sessions, run, report)
