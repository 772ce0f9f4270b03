"""The booking rules the database itself enforces, installed by the migrations.

PostgreSQL: exclusion constraints (``btree_gist``) — no two slot-blocking bookings of one room,
and no two active uses of one equipment unit, over overlapping ``tstzrange``s.

SQLite: BEFORE INSERT/UPDATE triggers that abort on the same overlap. SQLite has one writer at a
time and the trigger runs inside the writing statement, so the check and the write cannot be
interleaved by another connection: as safe as the exclusion constraint, whatever the code does.
Timestamps are stored as ISO text in UTC on SQLite, which compares in time order.

Seats, device limits and equipment counts are CHECK constraints on counters (``models``).
"""

from __future__ import annotations

from typing import Any

from core.api import is_postgres

ROOM_OVERLAP = "projektor_booking_no_overlap"
UNIT_OVERLAP = "projektor_equipment_use_no_overlap"
_BLOCKING = "('held', 'pending', 'confirmed')"

_PG = (
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"ALTER TABLE projektor_booking ADD CONSTRAINT {ROOM_OVERLAP} EXCLUDE USING gist "
    "(room_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&) "
    f"WHERE (room_id IS NOT NULL AND status IN {_BLOCKING})",
    f"ALTER TABLE projektor_equipment_use ADD CONSTRAINT {UNIT_OVERLAP} EXCLUDE USING gist "
    "(unit_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (active)",
)
_PG_DOWN = (
    f"ALTER TABLE projektor_equipment_use DROP CONSTRAINT IF EXISTS {UNIT_OVERLAP}",
    f"ALTER TABLE projektor_booking DROP CONSTRAINT IF EXISTS {ROOM_OVERLAP}",
)

# Plain constant text (no formatting: nothing but these words ever reaches the DDL).
_ROOM_CHECK = (
    "SELECT RAISE(ABORT, 'projektor_booking_no_overlap') WHERE NEW.room_id IS NOT NULL"
    " AND NEW.status IN ('held', 'pending', 'confirmed') AND EXISTS (SELECT 1 FROM projektor_booking b"
    " WHERE b.room_id = NEW.room_id AND b.id != NEW.id AND b.status IN ('held', 'pending', 'confirmed')"
    " AND b.starts_at < NEW.blocked_until AND NEW.starts_at < b.blocked_until)"
)
_UNIT_CHECK = (
    "SELECT RAISE(ABORT, 'projektor_equipment_use_no_overlap') WHERE NEW.active AND EXISTS (SELECT 1"
    " FROM projektor_equipment_use u WHERE u.unit_id = NEW.unit_id AND u.id != NEW.id AND u.active"
    " AND u.starts_at < NEW.ends_at AND NEW.starts_at < u.ends_at)"
)
_SQLITE = (
    f"CREATE TRIGGER {ROOM_OVERLAP}_insert BEFORE INSERT ON projektor_booking BEGIN {_ROOM_CHECK}; END",
    f"CREATE TRIGGER {ROOM_OVERLAP}_update BEFORE UPDATE OF room_id, status, starts_at, blocked_until "
    f"ON projektor_booking BEGIN {_ROOM_CHECK}; END",
    f"CREATE TRIGGER {UNIT_OVERLAP}_insert BEFORE INSERT ON projektor_equipment_use BEGIN {_UNIT_CHECK}; END",
    f"CREATE TRIGGER {UNIT_OVERLAP}_update BEFORE UPDATE OF unit_id, active, starts_at, ends_at "
    f"ON projektor_equipment_use BEGIN {_UNIT_CHECK}; END",
)
_SQLITE_DOWN = tuple(
    f"DROP TRIGGER IF EXISTS {name}_{when}" for name in (ROOM_OVERLAP, UNIT_OVERLAP) for when in ("insert", "update")
)


def install(bind: Any) -> None:
    """Add the overlap rules (in a migration's ``upgrade()``, ``bind = op.get_bind()``)."""
    for statement in _PG if is_postgres(bind) else _SQLITE:
        bind.exec_driver_sql(statement)


def remove(bind: Any) -> None:
    """Drop them again (``downgrade()``); the extension stays, other tables may use it."""
    for statement in _PG_DOWN if is_postgres(bind) else _SQLITE_DOWN:
        bind.exec_driver_sql(statement)


def violated_rule(error: BaseException) -> str | None:
    """Which overlap rule an IntegrityError broke, if one of ours."""
    message = str(error)
    for rule in (ROOM_OVERLAP, UNIT_OVERLAP):
        if rule in message:
            return rule
    return None
