"""Cursor pagination and ``?since=`` delta sync, the same for every list in every module."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import msgspec
from sqlalchemy import Float, Select, and_, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from core.api.db import Tombstone
from core.api.errors import Gone, Invalid

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# A change committed while a delta was being read may carry an earlier timestamp than the read;
# handing out a token slightly in the past makes the next delta repeat, never miss, such rows.
SYNC_OVERLAP = dt.timedelta(seconds=5)


def _b64(payload: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(payload)).decode().rstrip("=")


def _unb64(token: str, field: str) -> Any:
    try:
        return msgspec.json.decode(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, msgspec.DecodeError, ValueError):
        raise Invalid(field, "malformed token; use the value the previous page returned") from None


def check_limit(limit: int) -> int:
    """``limit`` if it lies in 1..MAX_LIMIT, else a 422 naming ``query.limit``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("query.limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def encode_cursor(values: Sequence[Any]) -> str:
    return _b64([v.isoformat() if isinstance(v, dt.datetime) else str(v) for v in values])


def decode_cursor(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    raw = _unb64(cursor, "query.cursor")
    if not isinstance(raw, list) or len(raw) != len(columns):
        raise Invalid("query.cursor", "malformed cursor; use the value the previous page returned")
    try:
        return [
            msgspec.convert(value, col.type.python_type, strict=False) for value, col in zip(raw, columns, strict=True)
        ]
    except (msgspec.ValidationError, NotImplementedError):
        raise Invalid("query.cursor", "malformed cursor; use the value the previous page returned") from None


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    order_by: Sequence[InstrumentedAttribute[Any]],
    *,
    cursor: str | None,
    limit: int = DEFAULT_LIMIT,
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """Keyset pagination: stable under inserts, constant cost per page.

    ``order_by`` must end in a unique column (the id). Returns the rows and the next cursor. A
    statement of one entity gives its objects; one of several columns gives ``Row``s (which must
    carry the ``order_by`` columns under their own names).
    """
    rows, next_cursor, _ = await paginate_and_peek(
        session, statement, order_by, cursor=cursor, limit=limit, descending=descending
    )
    return rows, next_cursor


def cursor_values(cursor: str, order_by: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    """The values a cursor of :func:`paginate` holds, one per ``order_by`` column (a 422 on a forged one),
    for a statement built once that takes them as bound parameters."""
    return decode_cursor(cursor, order_by)


def after_cursor(
    cursor: str | None, order_by: Sequence[InstrumentedAttribute[Any]], *, descending: bool = False
) -> ColumnElement[bool] | None:
    """The condition :func:`paginate` adds for ``cursor`` (rows after it in ``order_by`` order),
    for a statement that must apply it in several places (each part of a union); None without one."""
    if not cursor:
        return None
    last = decode_cursor(cursor, order_by)
    # bound with the columns' own types: a GUID is compared as stored (bytes on SQLite), not as text
    bound = tuple_(*[literal(v, c.type) for v, c in zip(last, order_by, strict=True)])
    key = tuple_(*order_by)
    return key < bound if descending else key > bound


async def paginate_and_peek(
    session: AsyncSession,
    statement: Select[Any],
    order_by: Sequence[InstrumentedAttribute[Any]],
    *,
    cursor: str | None,
    limit: int = DEFAULT_LIMIT,
    descending: bool = False,
    params: Mapping[str, Any] | None = None,
) -> tuple[list[Any], str | None, Any | None]:
    """:func:`paginate`, plus the first row of the next page (None on the last page), from the same query.

    ``params``: values for the statement's named bound parameters (a statement built once)."""
    check_limit(limit)
    after = after_cursor(cursor, order_by, descending=descending)
    if after is not None:
        statement = statement.where(after)
    ordering = [c.desc() for c in order_by] if descending else list(order_by)
    result = await session.execute(statement.order_by(*ordering).limit(limit + 1), params)
    # (not statement.column_descriptions: building those cost more than mapping a page's rows)
    rows: list[Any] = list(result.scalars().all() if len(result.keys()) == 1 else result.all())
    if len(rows) <= limit:
        return rows, None, None
    following = rows[limit]
    rows = rows[:limit]
    return rows, encode_cursor([getattr(rows[-1], c.key) for c in order_by]), following


def _score_cursor(score: float, values: Sequence[Any]) -> str:
    # The score goes as a JSON number (shortest repr, read back bit for bit): the next page
    # compares the database's own value with it, so a rounded copy would repeat or skip rows.
    return _b64([score, *[v.isoformat() if isinstance(v, dt.datetime) else str(v) for v in values]])


def _decode_score_cursor(cursor: str, then_by: Sequence[InstrumentedAttribute[Any]]) -> tuple[float, list[Any]]:
    raw = _unb64(cursor, "query.cursor")
    malformed = Invalid("query.cursor", "malformed cursor; use the value the previous page returned")
    if not isinstance(raw, list) or len(raw) != len(then_by) + 1 or not isinstance(raw[0], int | float):
        raise malformed
    try:
        rest = [msgspec.convert(v, c.type.python_type, strict=False) for v, c in zip(raw[1:], then_by, strict=True)]
    except (msgspec.ValidationError, NotImplementedError):
        raise malformed from None
    return float(raw[0]), rest


async def paginate_by_score(
    session: AsyncSession,
    statement: Select[Any],
    score: ColumnElement[float],
    then_by: Sequence[InstrumentedAttribute[Any]],
    *,
    cursor: str | None,
    limit: int = DEFAULT_LIMIT,
    highest_first: bool = True,
) -> tuple[list[tuple[Any, float]], str | None, Any | None]:
    """Keyset pagination on a computed number (a rank, a distance), ties by ``then_by`` ascending.

    ``then_by`` must end in a unique column. Returns ``(row, score)`` pairs (``row``: the entity of
    a one-entity statement, else the ``Row``), the next cursor and the first row of the next page
    (None on the last). The cursor carries the database's own score of the last row: pages
    neither repeat nor skip rows, also among rows with the same score. The score must not be NULL
    (filter such rows out before)."""
    check_limit(limit)
    if cursor:
        last_score, last = _decode_score_cursor(cursor, then_by)
        bound = literal(last_score, Float())
        after = tuple_(*then_by) > tuple_(*[literal(v, c.type) for v, c in zip(last, then_by, strict=True)])
        beyond = score < bound if highest_first else score > bound
        statement = statement.where(or_(beyond, and_(score == bound, after)))
    labelled = score.label("score")
    query = statement.add_columns(labelled).order_by(None)
    query = query.order_by(labelled.desc() if highest_first else labelled, *then_by).limit(limit + 1)
    result = await session.execute(query)
    one_entity = len(result.keys()) == 2  # the statement's entity and the score
    rows = [(row[0] if one_entity else row, float(row[-1])) for row in result.all()]
    if len(rows) <= limit:
        return rows, None, None
    following = rows[limit][0]
    rows = rows[:limit]
    last_row, last_score = rows[-1]
    return rows, _score_cursor(last_score, [getattr(last_row, c.key) for c in then_by]), following


class _SyncTokens:
    """How sync tokens are signed, and how far back they may reach (the tombstone retention).

    Installed once per process by the core at start-up (``configure_sync_tokens``), from the
    deployment's secret and ``STADTKERN_TOMBSTONE_RETENTION_DAYS``: modules call ``sync_token`` and
    ``parse_since`` without either, and cannot forget the retention (they did: a phone with an old
    token silently kept deleted items). Until then: a random key, no retention (tools, unit tests).
    """

    def __init__(self) -> None:
        self.key = secrets.token_bytes(32)
        self.retention: dt.timedelta | None = None

    def sign(self, payload: bytes) -> str:
        mac = hmac.new(self.key, payload, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")


_sync = _SyncTokens()


def _moment_of(raw: Any) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw["t"])
    except (TypeError, KeyError, ValueError):
        raise Invalid("query.since", "malformed sync token; use the sync_token of the last response") from None
    # compared with aware times; a naive token would be a 500
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def configure_sync_tokens(secret: str, retention: dt.timedelta) -> None:
    """Sign sync tokens with a key derived from ``secret``; refuse (410) those older than ``retention``."""
    _sync.key = hmac.new(secret.encode(), b"stadtkern sync token v1", hashlib.sha256).digest()
    _sync.retention = retention


def sync_token(now: dt.datetime) -> str:
    """The token a delta response hands out for ``now`` (a little earlier: the next delta repeats, never
    misses), signed: a client cannot move it to a moment of its choosing."""
    body = _b64({"t": (now - SYNC_OVERLAP).isoformat()})
    return f"{body}.{_sync.sign(body.encode())}"


def parse_since(since: str | None, retention: dt.timedelta | None = None) -> dt.datetime | None:
    """Decode ``?since=``; a token older than the tombstone retention (or from before tokens were
    signed) means: resync in full (410). ``retention`` overrides the deployment's."""
    if not since:
        return None
    body, dot, mac = since.partition(".")
    if not dot:
        legacy = _unb64(body, "query.since")  # unsigned, as this server handed them out before
        _moment_of(legacy)  # 422 unless it really is one
        raise Gone(detail="sync token from an older server version; fetch the full list again")
    if not hmac.compare_digest(mac, _sync.sign(body.encode())):
        raise Invalid("query.since", "not a sync token of this server; use the sync_token of the last response")
    moment = _moment_of(_unb64(body, "query.since"))
    limit = retention if retention is not None else _sync.retention
    if limit is not None and moment < dt.datetime.now(dt.UTC) - limit:
        raise Gone(detail="sync token is older than the deletion history; fetch the full list again")
    return moment


async def deleted_since(session: AsyncSession, resource: str, since: dt.datetime) -> list[str]:
    """Ids of ``resource`` deleted after ``since`` in the session's city (tombstones)."""
    stmt = select(Tombstone.item_id).where(Tombstone.resource == resource, Tombstone.deleted_at > since)
    return list((await session.scalars(stmt)).all())
