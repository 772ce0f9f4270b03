"""OCPI 2.2.1 receiver semantics (eMSP interface): PUT replaces, PATCH changes only what it names.

The row's ``raw`` is the last complete object as the partner described it; a PATCH is merged into
it and the result read again, so that a patch is held to the same checks as a PUT."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Invalid, NotFound
from stadtkern_charging.area import inside
from stadtkern_charging.models import Evse, Location
from stadtkern_charging.ocpi.location import parse_location
from stadtkern_charging.ocpi.parse import parse_connector, parse_evse
from stadtkern_charging.ocpi.records import LocationRecord
from stadtkern_charging.ocpi.values import Rejected, Repairs, parse_datetime
from stadtkern_charging.services.store import (
    connector_record,
    find_location,
    refresh_location,
    write_connectors,
    write_evse,
    write_location,
)
from stadtkern_charging.settings import Area

MAX_STRING = 2048


def check_strings(value: Any, path: str = "body") -> None:
    """No string in a pushed object may pass ``MAX_STRING`` (the spec's longest field is 512)."""
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise Invalid(path, f"longer than {MAX_STRING} characters")
    if isinstance(value, dict):
        for key, item in value.items():
            check_strings(item, f"{path}.{str(key)[:40]}")
    elif isinstance(value, list):
        for i, item in enumerate(value[:1000]):
            check_strings(item, f"{path}[{i}]")


def _read(raw: dict[str, Any], party: tuple[str, str], time_zone: str) -> LocationRecord:
    try:
        return parse_location(raw, party=party, time_zone=time_zone)
    except Rejected as exc:
        field, _, message = str(exc).partition(": ")
        raise Invalid(f"body.{field}", message or str(exc)) from exc


def _same(body: dict[str, Any], key: str, expected: str) -> None:
    if key in body and str(body[key]).upper() != expected.upper():
        raise Invalid(f"body.{key}", f"differs from the URL ({expected})")


async def _location(session: AsyncSession, source: str, party: tuple[str, str], location_id: str) -> Location:
    row = await find_location(session, source, f"{party[0]}*{party[1]}*{location_id}")
    if row is None:
        raise NotFound(detail=f"no Location {location_id} of {party[0]}/{party[1]}")
    return row


async def put_location(
    session: AsyncSession,
    source: str,
    party: tuple[str, str],
    location_id: str,
    body: dict[str, Any],
    *,
    time_zone: str,
    area: Area | None,
) -> Location | None:
    """PUT …/{location_id}: the Location is created or replaced whole; None when it lies outside the city."""
    _same(body, "country_code", party[0])
    _same(body, "party_id", party[1])
    _same(body, "id", location_id)
    full = {**body, "country_code": party[0], "party_id": party[1], "id": location_id}
    record = _read(full, party, time_zone)
    if not inside(area, record.lat, record.lon):
        return None
    return await write_location(session, source, record)


async def patch_location(
    session: AsyncSession, source: str, party: tuple[str, str], location_id: str, body: dict[str, Any]
) -> Location:
    """PATCH …/{location_id}: the named fields change (``last_updated`` required)."""
    _needs_last_updated(body)
    for key in ("country_code", "party_id", "id"):
        _same(body, key, {"country_code": party[0], "party_id": party[1], "id": location_id}[key])
    row = await _location(session, source, party, location_id)
    merged = {**copy.deepcopy(row.raw), **body}
    return await write_location(session, source, _read(merged, party, row.time_zone))


def _needs_last_updated(body: dict[str, Any]) -> None:
    if "last_updated" not in body:
        raise Invalid("body.last_updated", "required in every PATCH (OCPI 2.2.1 § 8.2.2.2)")
    try:
        parse_datetime(body["last_updated"], "last_updated", Repairs())
    except Rejected as exc:
        raise Invalid("body.last_updated", str(exc)) from exc


def _raw_evse(row: Location, evse_uid: str) -> tuple[list[dict[str, Any]], int | None]:
    found = row.raw.get("evses")
    evses: list[dict[str, Any]] = found if isinstance(found, list) else []
    for i, item in enumerate(evses):
        if isinstance(item, dict) and str(item.get("uid")) == evse_uid:
            return evses, i
    return evses, None


async def put_evse(
    session: AsyncSession,
    source: str,
    party: tuple[str, str],
    location_id: str,
    evse_uid: str,
    body: dict[str, Any],
    *,
    patch: bool = False,
) -> Evse:
    """PUT or PATCH …/{location_id}/{evse_uid}: an EVSE added, replaced or changed (a status change, mostly)."""
    if patch:
        _needs_last_updated(body)
    _same(body, "uid", evse_uid)
    row = await _location(session, source, party, location_id)
    evses, index = _raw_evse(row, evse_uid)
    if patch and index is None:
        raise NotFound(detail=f"no EVSE {evse_uid} at Location {location_id}")
    merged = {**(evses[index] if patch and index is not None else {}), **body, "uid": evse_uid}
    repairs = Repairs()
    try:
        record = parse_evse(merged, "body", row.last_updated, repairs)
    except Rejected as exc:
        field, _, message = str(exc).partition(": ")
        raise Invalid(field, message or str(exc)) from exc
    existing = next((e for e in row.evses if e.uid == evse_uid), None)
    evse = write_evse(session, row, existing, record, source=source, live=True)
    raw = copy.deepcopy(row.raw)
    raw_evses = raw.setdefault("evses", [])
    if index is None:
        raw_evses.append(merged)
    else:
        raw_evses[index] = merged
    row.raw = raw
    row.last_updated = max(row.last_updated, record.last_updated)
    row.warnings = [*row.warnings, *repairs.warnings][-50:]
    refresh_location(row)
    await session.flush()
    return evse


async def put_connector(
    session: AsyncSession,
    source: str,
    party: tuple[str, str],
    ids: tuple[str, str, str],
    body: dict[str, Any],
    *,
    patch: bool = False,
) -> None:
    """PUT or PATCH …/{location_id}/{evse_uid}/{connector_id}: one connector of an EVSE."""
    location_id, evse_uid, connector_id = ids
    if patch:
        _needs_last_updated(body)
    _same(body, "id", connector_id)
    row = await _location(session, source, party, location_id)
    evses, index = _raw_evse(row, evse_uid)
    evse = next((e for e in row.evses if e.uid == evse_uid), None)
    if index is None or evse is None:
        raise NotFound(detail=f"no EVSE {evse_uid} at Location {location_id}")
    connectors = [c for c in evses[index].get("connectors", []) if isinstance(c, dict)]
    position = next((i for i, c in enumerate(connectors) if str(c.get("id")) == connector_id), None)
    if patch and position is None:
        raise NotFound(detail=f"no Connector {connector_id} at EVSE {evse_uid}")
    merged = {**(connectors[position] if patch and position is not None else {}), **body, "id": connector_id}
    try:
        record = parse_connector(merged, "body", evse.last_updated, Repairs())
    except Rejected as exc:
        field, _, message = str(exc).partition(": ")
        raise Invalid(field, message or str(exc)) from exc
    if position is None:
        connectors.append(merged)
    else:
        connectors[position] = merged
    others = [c for c in evse.connectors if c.connector_id != connector_id]
    write_connectors(evse, row, [*[connector_record(c) for c in others], record])
    raw = copy.deepcopy(row.raw)
    raw["evses"][index] = {**evses[index], "connectors": connectors}
    row.raw = raw
    evse.last_updated = max(evse.last_updated, record.last_updated)
    row.last_updated = max(row.last_updated, record.last_updated)
    await session.flush()
