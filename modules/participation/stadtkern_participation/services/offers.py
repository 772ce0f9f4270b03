"""Offers: the look-up, the residents' list, an editor's changes, and the push when one is published."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

import msgspec
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import (
    Audience,
    Conflict,
    DiscussionSubject,
    NotFound,
    Notification,
    TenantRepository,
    paginate,
    record_deletion,
    utcnow,
)
from schemas import LocalizedText
from stadtkern_participation.lists import join_list, split_list
from stadtkern_participation.models import RESOURCE_OFFER, TRANSITIONS, Offer, Status
from stadtkern_participation.schemas.offers import OfferIn
from stadtkern_participation.schemas.texts import stored_text
from stadtkern_participation.services.delta import changes_since

TOPIC_OFFERS = "participation.offers"


async def offers_readable(session: AsyncSession, offer_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, bool]:
    """For the dialogue: which offers residents read now (every one but a draft, as ``get_offer``)."""
    if not offer_ids:
        return {}
    rows = await session.execute(select(Offer.id, Offer.status).where(Offer.id.in_(list(offer_ids))))
    return {offer_id: status != "draft" for offer_id, status in rows.all()}


# Residents comment on offers in the Ideenpool's dialogue, once a moderator opens an offer's thread.
OFFER_DISCUSSIONS = DiscussionSubject(id="participation.offer", lookup=offers_readable)


async def get_offer(session: AsyncSession, offer_id: uuid.UUID, *, staff: bool) -> Offer:
    """The city's offer; a draft only for ``staff`` (for others it does not exist)."""
    repo: TenantRepository[Offer] = TenantRepository.for_model(Offer, session)
    row = await repo.get_one_or_none(id=offer_id)
    if row is None or (row.status == "draft" and not staff):
        raise NotFound(detail="offer not found")
    return row


async def offer_page(
    session: AsyncSession,
    *,
    now: dt.datetime,
    topic: str | None,
    district: str | None,
    offer_format: str | None,
    open_now: bool,
    upcoming: bool,
    drafts: bool,
    changed_since: dt.datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Offer], list[str], str | None]:
    """One page of matching offers, newest first: rows, ids deleted since (first delta page), next cursor."""
    stmt = select(Offer)
    if not drafts:
        stmt = stmt.where(Offer.status != "draft")
    if topic is not None:
        stmt = stmt.where(Offer.topics.contains(f",{topic},", autoescape=True))
    if district is not None:
        stmt = stmt.where(Offer.districts.contains(f",{district},", autoescape=True))
    if offer_format is not None:
        stmt = stmt.where(Offer.format == offer_format)
    if open_now:
        stmt = stmt.where(
            Offer.status == "published",
            or_(Offer.starts_at.is_(None), Offer.starts_at <= now),
            or_(Offer.ends_at.is_(None), Offer.ends_at >= now),
        )
    if upcoming:
        stmt = stmt.where(and_(Offer.status == "published", Offer.starts_at > now))
    stmt, deleted = await changes_since(session, stmt, Offer, RESOURCE_OFFER, changed_since, cursor)
    rows, next_cursor = await paginate(session, stmt, [Offer.id], cursor=cursor, limit=limit, descending=True)
    return rows, deleted, next_cursor


def apply_offer(row: Offer, data: OfferIn) -> Offer:
    """Write an editor's (already checked) input into the row."""
    row.title = msgspec.to_builtins(data.title)
    row.summary = stored_text(data.summary)
    row.description = stored_text(data.description)
    row.format = data.format
    row.topics = join_list(data.topics)
    row.districts = join_list(data.districts)
    row.starts_at = data.starts_at
    row.ends_at = data.ends_at
    row.place_name = data.place.name if data.place else None
    row.lat = data.place.location.lat if data.place and data.place.location else None
    row.lon = data.place.location.lon if data.place and data.place.location else None
    row.capacity = data.capacity
    row.registration_url = data.registration_url
    row.contact = data.contact
    row.accessibility = stored_text(data.accessibility)
    row.method_id = data.method_id
    return row


async def add_offer(session: AsyncSession, data: OfferIn) -> Offer:
    """A new offer from an editor's (already checked) input, as a draft."""
    repo: TenantRepository[Offer] = TenantRepository.for_model(Offer, session)
    row = await repo.add(apply_offer(Offer(status="draft"), data))
    await session.flush()
    return row


async def notify_new(
    push: Any,
    *,
    title: dict[str, Any],
    deep_link: str,
    districts: list[str],
    topics: list[str],
    kind_de: str = "Neues Beteiligungsangebot",
    kind_en: str = "New participation offer",
) -> None:
    """'New participation offer' to the devices subscribed for these districts/topics, via the outbox."""
    body = msgspec.convert(title, LocalizedText)
    await push.notify(
        Notification(
            topic=TOPIC_OFFERS,
            title=LocalizedText(de=kind_de, en=kind_en),
            body=body,
            deep_link=deep_link,
            audience=Audience(districts=tuple(districts), categories=tuple(topics)),
        )
    )


async def set_offer_status(session: AsyncSession, push: Any, row: Offer, status: Status) -> None:
    """Move the offer along its status flow; publishing it notifies its districts and topics."""
    if status not in TRANSITIONS[row.status]:
        raise Conflict(detail=f"an offer in status {row.status!r} cannot become {status!r}")
    row.status = status
    if status == "published":
        row.published_at = utcnow()
        await notify_new(
            push,
            title=row.title,
            deep_link=f"stadtkern://participation/offers/{row.id}",
            districts=split_list(row.districts),
            topics=split_list(row.topics),
        )
    await session.flush()


async def remove_offer(session: AsyncSession, row: Offer) -> None:
    """Delete the offer and leave a tombstone, so that ``?since=`` tells apps it is gone."""
    await TenantRepository.for_model(Offer, session).delete(row.id)
    await record_deletion(session, RESOURCE_OFFER, row.id)
    await session.flush()
