"""Method cards: the look-up, the residents' list with its filters and German search, editors' changes,
and the offers a card names or is used by. Sessions are city-bound: every statement stays in the city."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import (
    Invalid,
    NotFound,
    TenantRepository,
    matching,
    paginate,
    pick,
    record_deletion,
    utcnow,
)
from stadtkern_participation.lists import join_list
from stadtkern_participation.models import METHOD_TEXT_INDEX, RESOURCE_METHOD, MethodCard, Offer, Survey
from stadtkern_participation.schemas.methods import DURATIONS, EFFORTS, MethodIn, MethodOfferRef, offer_ref
from stadtkern_participation.schemas.texts import stored_text
from stadtkern_participation.services.delta import changes_since

# A card's detail lists at most this many offers that use it (newest first).
MAX_OFFERS = 100


@dataclass(frozen=True)
class MethodFilters:
    """What the residents' list narrows by (already checked by the route)."""

    mode: str | None = None
    group_size: int | None = None
    duration: str | None = None
    max_duration: str | None = None
    effort: str | None = None
    max_effort: str | None = None
    accessibility: str | None = None
    q: str | None = None


async def get_method(session: AsyncSession, method_id: uuid.UUID) -> MethodCard:
    """The city's card (another city's is not found)."""
    repo: TenantRepository[MethodCard] = TenantRepository.for_model(MethodCard, session)
    row = await repo.get_one_or_none(id=method_id)
    if row is None:
        raise NotFound(detail="method card not found")
    return row


async def check_method(session: AsyncSession, method_id: uuid.UUID | None, field: str) -> None:
    """A card an offer names must be one of the city's: else a 422 naming ``field``."""
    if method_id is None:
        return
    if await session.scalar(select(MethodCard.id).where(MethodCard.id == method_id)) is None:
        raise Invalid(field, "no method card of this city has this id")


async def check_offers(session: AsyncSession, data: MethodIn) -> None:
    """Every example's offer must be one of the city's: else a 422 naming ``body.examples[i].offer_id``."""
    wanted = {e.offer_id for e in data.examples if e.offer_id is not None}
    found = set((await session.scalars(select(Offer.id).where(Offer.id.in_(wanted)))).all()) if wanted else set()
    problems = [
        (f"body.examples[{i}].offer_id", "no offer of this city has this id")
        for i, example in enumerate(data.examples)
        if example.offer_id is not None and example.offer_id not in found
    ]
    if problems:
        raise Invalid.many(problems)


def _filtered(stmt: Any, filters: MethodFilters, session: AsyncSession) -> Any:
    if filters.mode is not None:
        stmt = stmt.where(MethodCard.mode == filters.mode)
    if filters.group_size is not None:
        size = filters.group_size
        stmt = stmt.where(
            or_(MethodCard.group_min.is_(None), MethodCard.group_min <= size),
            or_(MethodCard.group_max.is_(None), MethodCard.group_max >= size),
        )
    if filters.duration is not None:
        stmt = stmt.where(MethodCard.duration == filters.duration)
    if filters.max_duration is not None:
        stmt = stmt.where(MethodCard.duration.in_(DURATIONS[: DURATIONS.index(filters.max_duration) + 1]))
    if filters.effort is not None:
        stmt = stmt.where(MethodCard.effort == filters.effort)
    if filters.max_effort is not None:
        stmt = stmt.where(MethodCard.effort.in_(EFFORTS[: EFFORTS.index(filters.max_effort) + 1]))
    if filters.accessibility is not None:
        stmt = stmt.where(MethodCard.accessibility.contains(f",{filters.accessibility},", autoescape=True))
    if filters.q is not None and filters.q.strip():
        # The stored, weighted German vector (PostgreSQL) or FTS5 table (SQLite) of participation_0007.
        stmt = matching(session, stmt, METHOD_TEXT_INDEX, filters.q)
    return stmt


async def method_page(
    session: AsyncSession,
    filters: MethodFilters,
    *,
    changed_since: dt.datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[MethodCard], list[str], str | None]:
    """One page of matching cards by name: rows, ids deleted since (first delta page), next cursor."""
    stmt = _filtered(select(MethodCard), filters, session)
    stmt, deleted = await changes_since(session, stmt, MethodCard, RESOURCE_METHOD, changed_since, cursor)
    rows, next_cursor = await paginate(session, stmt, [MethodCard.sort_name, MethodCard.id], cursor=cursor, limit=limit)
    return rows, deleted, next_cursor


async def _refs(session: AsyncSession, offers: Sequence[Offer], locales: Sequence[str]) -> list[MethodOfferRef]:
    ids = [o.id for o in offers]
    surveys: dict[uuid.UUID, list[uuid.UUID]] = {}
    if ids:
        stmt = select(Survey.offer_id, Survey.id).where(Survey.offer_id.in_(ids), Survey.status != "draft")
        for offer_id, survey_id in (await session.execute(stmt.order_by(Survey.id))).all():
            if offer_id is not None:
                surveys.setdefault(offer_id, []).append(survey_id)
    return [offer_ref(o, surveys, locales) for o in offers]


async def offers_using(session: AsyncSession, row: MethodCard, locales: Sequence[str]) -> list[MethodOfferRef]:
    """The city's public offers (every status but draft) that name the card, newest first."""
    stmt = select(Offer).where(Offer.method_id == row.id, Offer.status != "draft")
    offers = list(await session.scalars(stmt.order_by(Offer.id.desc()).limit(MAX_OFFERS)))
    return await _refs(session, offers, locales)


async def example_offers(session: AsyncSession, row: MethodCard, locales: Sequence[str]) -> list[MethodOfferRef]:
    """The public offers the card's examples name (a draft or deleted one is left out)."""
    ids = {uuid.UUID(e["offer_id"]) for e in row.examples if e.get("offer_id")}
    if not ids:
        return []
    offers = list(await session.scalars(select(Offer).where(Offer.id.in_(ids), Offer.status != "draft")))
    return await _refs(session, offers, locales)


def _search_parts(data: MethodIn) -> Iterable[str]:
    for text in (data.summary, data.when_to_use, data.duration_note, data.accessibility_note, data.needs):
        yield from (text or {}).values()
    for step in data.steps:
        yield from step.values()
    for template in data.templates:
        yield from template.title.values()
    for example in data.examples:
        yield from example.text.values()


def apply_method(row: MethodCard, data: MethodIn, primary: str) -> MethodCard:
    """Write an editor's (already checked) input into the row; ``primary`` is the city's first locale."""
    row.name = msgspec.to_builtins(data.name)
    row.sort_name = pick(data.name, [primary]).lower()[:200]
    row.summary = msgspec.to_builtins(data.summary)
    row.when_to_use = stored_text(data.when_to_use)
    row.mode = data.mode
    row.group_min, row.group_max = data.group_min, data.group_max
    row.duration, row.duration_note = data.duration, stored_text(data.duration_note)
    row.effort = data.effort
    row.accessibility = join_list(dict.fromkeys(data.accessibility))
    row.accessibility_note = stored_text(data.accessibility_note)
    row.needs = stored_text(data.needs)
    row.steps = [msgspec.to_builtins(step) for step in data.steps]
    row.templates = [msgspec.to_builtins(template) for template in data.templates]
    row.examples = [msgspec.to_builtins(example) for example in data.examples]
    row.search_title = " ".join(data.name.values()).lower()
    row.search_text = " ".join(_search_parts(data)).lower()
    return row


async def add_method(session: AsyncSession, data: MethodIn, primary: str) -> MethodCard:
    """A new card from an editor's (already checked) input."""
    repo: TenantRepository[MethodCard] = TenantRepository.for_model(MethodCard, session)
    row = await repo.add(apply_method(MethodCard(), data, primary))
    await session.flush()
    return row


async def remove_method(session: AsyncSession, row: MethodCard) -> None:
    """Delete the card; the offers that named it name none now (and show up in ``?since=``), a tombstone stays."""
    await session.execute(
        update(Offer)
        .where(Offer.method_id == row.id)
        .values(method_id=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await TenantRepository.for_model(MethodCard, session).delete(row.id)
    await record_deletion(session, RESOURCE_METHOD, row.id)
    await session.flush()
