"""Tenancy no statement can forget: a session bound to a city sees and writes only that city's rows.

Every session the core hands a module for a city (request, job, seed) carries the city in
``session.info``. Two session-level hooks then apply to *every* ORM statement it runs, so a
module's code never writes a ``tenant_id ==`` filter and cannot forget one:

* ``do_orm_execute`` adds ``with_loader_criteria(TenantScoped, tenant_id == city)`` to every
  SELECT, UPDATE and DELETE: the criterion reaches every occurrence of every ``TenantScoped`` (``TenantOwned``)
  model in the statement — joins, subqueries, ``select_from``, aliases — and the relationship
  loads of the rows it returns. ``session.get()`` of another city's id finds nothing.
* New rows are stamped with the city before flush; a row of another city (added, or moved by
  changing its ``tenant_id``) is refused with :class:`CrossCityWrite`. ORM ``INSERT``
  statements (``insert(Model).values(...)``, e.g. an upsert) must name the session's city.

Crossing cities is possible only through :func:`all_cities`, a name a reviewer can grep for.
Plain ``Table`` objects and ``text()`` SQL are not ORM entities and are not filtered: a module
that keeps such a table keys it by city itself (events' list version does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import ClauseElement

from core.api.db import TenantScoped

CITY_KEY = "stadtkern.city"
ALL_CITIES_KEY = "stadtkern.all_cities"


class CrossCityWrite(PermissionError):
    """A session bound to one city was asked to write a row of another city."""


def city_of(session: AsyncSession | Session) -> str | None:
    """The city a session is bound to, or None for an unbound (core-internal or all-cities) session."""
    info = session.info
    return info.get(CITY_KEY)  # type: ignore[no-any-return]


def sessions_for_city(factory: async_sessionmaker[AsyncSession], city: str) -> async_sessionmaker[AsyncSession]:
    """A session factory like ``factory`` whose sessions see and write only ``city``'s rows."""
    return _derived(factory, {CITY_KEY: city})


def all_cities(factory: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """THE escape hatch: sessions that see every city's rows (the worker's all-cities chores).

    Each call site crosses the tenancy boundary on purpose and should say why in a comment.
    """
    return _derived(factory, {ALL_CITIES_KEY: True})


def _derived(factory: async_sessionmaker[AsyncSession], info: dict[str, Any]) -> async_sessionmaker[AsyncSession]:
    kw = dict(factory.kw)
    kw["info"] = info
    return async_sessionmaker(class_=factory.class_, **kw)


@event.listens_for(Session, "do_orm_execute")
def _limit_to_city(state: ORMExecuteState) -> None:
    city = state.session.info.get(CITY_KEY)
    if city is None:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == city, include_aliases=True)
        )
    elif state.is_insert:
        _check_insert(state, city)


def _check_insert(state: ORMExecuteState, city: str) -> None:
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, TenantScoped):
        return
    compiled = cast(ClauseElement, state.statement).compile()
    given: list[Any] = []
    if "tenant_id" in compiled.params:
        given.append(compiled.params["tenant_id"])
    raw = state.parameters
    parameters: Sequence[Mapping[str, Any]] = [raw] if isinstance(raw, Mapping) else (raw or [])
    given.extend(p["tenant_id"] for p in parameters if "tenant_id" in p)
    if not given or any(value != city for value in given):
        raise CrossCityWrite(f"INSERT into {mapper.class_.__name__} must set tenant_id={city!r} (the session's city)")


@event.listens_for(Session, "before_flush")
def _stamp_city(session: Session, _context: Any, _instances: Any) -> None:
    city = session.info.get(CITY_KEY)
    if city is None:
        return
    for row in session.new:
        if isinstance(row, TenantScoped):
            if row.tenant_id is None:
                row.tenant_id = city
            elif row.tenant_id != city:
                raise CrossCityWrite(f"{type(row).__name__} of city {row.tenant_id!r} added to a session of {city!r}")
    for row in session.dirty:
        if isinstance(row, TenantScoped) and row.tenant_id != city:
            raise CrossCityWrite(f"{type(row).__name__} moved to city {row.tenant_id!r} in a session of {city!r}")
