"""The city's charging versions: what tells an API process that its in-memory list is out of date.

Correctness of the residents' list (services/snapshot.py) rests on one rule: **every statement
that writes a location, an EVSE or a connector bumps the city's row in ``charging_version``
first, in the same transaction**. It is enforced here, not at each write site: a session event
sees every ORM flush and every bulk ``insert``/``update``/``delete`` on those tables and runs the
bump just before it, so a write path added later cannot forget it. The row lock the bump takes
is then the first lock of the writing transaction on charging rows, so writers of one city queue
on it instead of deadlocking on each other's EVSEs, and they commit in version order: a reader
that sees version ``v`` sees every write numbered ``v`` or lower.

Two counters: ``version`` moves with anything the list shows but the live status (a new or
edited location, its EVSEs and connectors, publication, merges), ``status_version`` with an
EVSE's status alone (the frequent write: OCPI PATCHes, AFIR status feeds), which a process
applies by re-reading the statuses instead of rebuilding everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, Column, String, Table, event, inspect, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session

from core.api import city_of, metadata
from stadtkern_charging.models import Connector, Evse, Location

charging_version = Table(
    "charging_version",
    metadata,
    Column("tenant_id", String(63), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("status_version", BigInteger, nullable=False),
)

# What an EVSE's status write touches (services/status.py); any other column is a static change.
STATUS_COLUMNS = frozenset({"status", "status_since", "status_reported_at", "live", "updated_at"})
STATIC_TABLES = frozenset({"charging_location", "charging_connector"})
EVSE_TABLE = "charging_evse"


def _bump(session: Session, *, static: bool) -> None:
    city = city_of(session)
    table = charging_version.c
    if city is None:  # a session of every city (maintenance, tests): every city's rows may change
        session.execute(
            update(charging_version).values(version=table.version + 1, status_version=table.status_version + 1)
        )
        return
    dialect = session.get_bind().dialect.name
    insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(charging_version).values(tenant_id=city, version=1, status_version=1)
    changes = {"status_version": table.status_version + 1}
    if static:
        changes["version"] = table.version + 1
    session.execute(stmt.on_conflict_do_update(index_elements=[table.tenant_id], set_=changes))


def _evse_only_status(evse: Evse) -> bool:
    state = inspect(evse)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    return changed <= STATUS_COLUMNS


def _flush_kind(objects: Iterable[Any], new_or_gone: set[Any]) -> bool | None:
    """None: no charging row; True: a static change; False: EVSE statuses only."""
    touched = False
    for obj in objects:
        if isinstance(obj, Location | Connector):
            return True
        if isinstance(obj, Evse):
            if obj in new_or_gone or not _evse_only_status(obj):
                return True
            touched = True
    return False if touched else None


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    new_or_gone = set(session.new) | set(session.deleted)
    kind = _flush_kind([*session.new, *session.dirty, *session.deleted], new_or_gone)
    if kind is not None:
        _bump(session, static=kind)


@event.listens_for(Session, "do_orm_execute")
def _before_bulk(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in STATIC_TABLES:
        _bump(state.session, static=True)
    elif name == EVSE_TABLE:
        values = getattr(state.statement, "_values", None) or {}
        keys = {getattr(k, "key", k) for k in values}
        _bump(state.session, static=not (state.is_update and keys and keys <= STATUS_COLUMNS))
