"""Tenant isolation, checked for one module without knowing its tables or routes.

City B gets the module's demo data (its ``seed`` hook); then city A, as its admin, as one of
its devices and anonymously, calls every GET route of the module that needs no path parameter,
and runs every scheduled job of the module. No answer may contain the id of any row of B
(of any city-owned table), and no row of B may change.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import metadata
from core.loader import Plan
from core.testing.actors import register_device, staff_headers
from core.testing.jobs import run_jobs
from core.testing.routes import plain_reads
from core.testing.seeds import run_seed

Snapshot = dict[str, dict[tuple[Any, ...], Mapping[str, Any]]]


async def snapshot(sessions: async_sessionmaker[AsyncSession], city: str) -> Snapshot:
    """Every row of ``city`` in every table with a ``tenant_id``, keyed by table and primary key."""
    async with sessions() as session:

        def existing(conn: Connection) -> set[str]:
            return set(inspect(conn).get_table_names())

        present = await (await session.connection()).run_sync(existing)
        found: Snapshot = {}
        for table in metadata.sorted_tables:
            if "tenant_id" not in table.c or table.name not in present:
                continue
            rows = (await session.execute(select(table).where(table.c.tenant_id == city))).mappings().all()
            keys = [c.name for c in table.primary_key.columns]
            found[table.name] = {tuple(row[k] for k in keys): dict(row) for row in rows}
    return found


def _ids(rows: Snapshot) -> dict[str, str]:
    """Searchable ids -> ``table:id``; only UUIDs and long strings, a small integer is everywhere."""
    ids: dict[str, str] = {}
    for table, by_key in rows.items():
        for key in by_key:
            for value in key:
                if isinstance(value, uuid.UUID) or (isinstance(value, str) and len(value) >= 16):
                    ids[str(value)] = f"{table}:{value}"
    return ids


async def _read_as_city(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    module_id: str,
    city: str,
    foreign: dict[str, str],
) -> tuple[list[str], int]:
    callers = {
        "an admin": await staff_headers(client, sessions, city),
        "a device": (await register_device(client, city))[1],
        "anonymous": {},
    }
    leaks: list[str] = []
    answered = 0
    for route in plain_reads(app, module_id):
        url = route.url(city)
        for who, headers in callers.items():
            response = await client.get(url, headers=headers)
            answered += response.status_code == 200
            seen = sorted(where for value, where in foreign.items() if value in response.text)
            if seen:
                leaks.append(f"GET {url} as {who} of {city} shows rows of another city: {', '.join(seen)}")
    return leaks, answered


def _changes(before: Snapshot, after: Snapshot) -> list[str]:
    changes: list[str] = []
    for table, rows in before.items():
        now = after.get(table, {})
        changes += [f"{table}:{key} deleted" for key in rows.keys() - now.keys()]
        changes += [f"{table}:{key} added" for key in now.keys() - rows.keys()]
        for key in rows.keys() & now.keys():
            changed = sorted(c for c in rows[key] if rows[key][c] != now[key][c])
            if changed:
                changes.append(f"{table}:{key} changed ({', '.join(changed)})")
    return changes


async def check_isolation(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    module_id: str,
    cities: tuple[str, str] | None = None,
) -> None:
    """City A's reads and jobs of the module neither show nor change city B's seeded rows."""
    plan: Plan = app.state.plan
    spec = plan.specs[module_id]
    if spec.seed is None:
        pytest.skip(f"module {module_id!r} has no seed hook: the isolation check needs another city's rows")
    enabling = [slug for slug, tenant in plan.tenants.items() if module_id in tenant.modules]
    if cities is None and len(enabling) < 2:
        pytest.skip(f"module {module_id!r} is enabled in {len(enabling)} city of the test manifest; needs two")
    # B is the first of the pair whose seed creates rows (a city may configure nothing to seed).
    pairs = [cities] if cities else [(enabling[0], enabling[1]), (enabling[1], enabling[0])]
    for own, other in pairs:  # noqa: B007 - the pair found is used below
        await run_seed(app, sessions, module_id, other)
        before = await snapshot(sessions, other)
        foreign = _ids(before)
        if foreign:
            break
    assert foreign, f"the seed of {module_id!r} created no rows with an id for {' or '.join(p[1] for p in pairs)}"

    leaks, answered = await _read_as_city(app, client, sessions, module_id, own, foreign)
    jobs = await run_jobs(app, sessions, module_id, own)
    changes = _changes(before, await snapshot(sessions, other))
    assert not leaks, "\n".join(leaks)
    assert not changes, f"jobs of {module_id} for {own} changed rows of {other}:\n" + "\n".join(changes)
    assert answered or jobs, f"module {module_id!r}: no GET route answered 200 and no job ran; nothing was checked"
