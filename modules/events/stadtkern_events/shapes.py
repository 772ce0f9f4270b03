"""Statements built once per shape and then only executed with new values.

Building a list's SQLAlchemy statement for every request cost more Python than running it (about
3 ms of expression trees and column proxies per page, against 2 ms for the query and its rows).
A list's statement depends on few choices (which filters are set, whether a cursor is given, the
page size); the rest — the window, the cursor, the point — goes in as bound parameters. So each
shape is built once per process and dialect, and a cache miss only executes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import bindparam, literal_column, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.api import cursor_values
from stadtkern_events.models import DURATION_CLASSES, LONG_COLUMN, Occurrence

T = TypeVar("T")
_BUILT: dict[tuple[Any, ...], Any] = {}


def built_once(session: AsyncSession, shape: tuple[Any, ...], build: Callable[[], T]) -> T:
    """The statement for ``shape`` (which must name everything ``build`` depends on) on the
    session's database; built on first use."""
    key = (*shape, session.get_bind().dialect.name)
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build()
    return found  # type: ignore[no-any-return]


def after_condition(order: Sequence[Any]) -> ColumnElement[bool]:
    """Rows after a cursor in ``order``, its values as parameters ``after_0``, ``after_1``, … (bound
    with the columns' own types: a GUID is compared as stored)."""
    return tuple_(*order) > tuple_(*(bindparam(f"after_{i}", type_=c.type) for i, c in enumerate(order)))


def after_values(cursor: str, order: Sequence[Any]) -> dict[str, Any]:
    """The values of :func:`after_condition` for ``cursor`` (a 422 on a forged one)."""
    return {f"after_{i}": value for i, value in enumerate(cursor_values(cursor, order))}


def listed(start: Any, end: Any | None, *, hide_cancelled: bool) -> list[ColumnElement[bool]]:
    """The occurrences a list shows: published, overlapping ``[start, end)`` (no end: unbounded),
    not cancelled if asked. ``start``/``end`` are values, or :func:`window_params` in a statement
    built once."""
    conditions = [Occurrence.published.is_(True), Occurrence.ends_at > start]
    if end is not None:
        conditions.append(Occurrence.starts_at < end)
    if hide_cancelled:
        conditions.append(Occurrence.status != "cancelled")
    return conditions


def listed_parts(*, hide_cancelled: bool) -> list[list[ColumnElement[bool]]]:
    """:func:`listed` for a statement built once, in parts that each read one range of starts: the
    occurrences starting at most 6 hours before the window (the short ones still running, and all
    later ones), then per longer duration class those that started earlier and still run, from as
    far back as the class can last. Values: :func:`window_values`.

    (``ends_at > start`` alone gives an index on the starts no lower bound: a window starting in
    a month read every occurrence of the month before it.)"""
    start, end = window_params()
    common = listed(start, None, hide_cancelled=hide_cancelled)
    reach = [bindparam(f"reach_{k}", type_=Occurrence.starts_at.type) for k in range(len(DURATION_CLASSES))]
    parts = [[*common, Occurrence.starts_at >= reach[0], Occurrence.starts_at < end]]
    for k in range(1, len(DURATION_CLASSES) + 1):
        # The class goes into the SQL text, beside the long index's predicate (models.LONG_ONLY), so that
        # either database sees the index applies; a bound parameter would hide both.
        since = [Occurrence.starts_at >= reach[k]] if k < len(reach) else []  # the last class is unbounded
        long_ones = [
            literal_column(LONG_COLUMN) > literal_column("0"),
            Occurrence.duration_class == literal_column(str(k)),
        ]
        parts.append([*common, *long_ones, *since, Occurrence.starts_at < reach[0]])
    return parts


def window_values(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The values of :func:`listed_parts`' parameters for the window ``[start, end)``."""
    values: dict[str, Any] = {"window_start": start, "window_end": end}
    values.update({f"reach_{k}": start - longest for k, longest in enumerate(DURATION_CLASSES)})
    return values


def window_params() -> tuple[Any, Any]:
    """The window's bound parameters (values ``window_start``/``window_end``) for :func:`listed`."""
    return (
        bindparam("window_start", type_=Occurrence.ends_at.type),
        bindparam("window_end", type_=Occurrence.starts_at.type),
    )
