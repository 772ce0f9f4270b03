"""Random invitations: one draw per offer, in two steps — commit (parameters and a hidden seed whose
SHA-256 is published), then run (freeze the pool, draw, reveal the seed); invitees accept or decline
by link; a decline invites the next member of the same stratum. Every step lands in the draw's log,
every attempt (refused ones too) in ``participation_draw_attempt`` (``services/draw_audit.py``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

import anyio.to_thread
import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Audience, Conflict, Invalid, NotFound, Notification, TenantRepository, utcnow
from schemas import LocalizedText
from stadtkern_participation.mail import invitation_text, link, send_mail
from stadtkern_participation.models import Draw, Invitation, InvitationStatus, Offer, PoolMember
from stadtkern_participation.schemas.draws import DrawIn
from stadtkern_participation.settings import ParticipationSettings
from stadtkern_participation.sortition import (
    ALGORITHM,
    ATTRIBUTES,
    Candidate,
    Problem,
    Quota,
    order,
    run_draw,
    stratum_key,
    ticket_for,
)
from stadtkern_participation.tokens import hash_token, new_token

TOPIC_INVITATIONS = "participation.invitations"


async def eligible_members(session: Any, now: dt.datetime) -> list[PoolMember]:
    """Pool members of the session's city who confirmed and whose consent still runs."""
    stmt = select(PoolMember).where(
        PoolMember.confirmed_at.is_not(None),
        PoolMember.consent_expires_at > now,
    )
    return list(await session.scalars(stmt))


async def get_draw(session: AsyncSession, draw_id: uuid.UUID, *, for_update: bool = False) -> Draw:
    """The city's draw (locked for the transaction if asked: two runs at once wait for each other); 404 if none."""
    stmt = select(Draw).where(Draw.id == draw_id)
    row = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound(detail="draw not found")
    return row


async def _invite(
    session: AsyncSession, push: Any, draw: Draw, offer: Offer, member: PoolMember, ticket: str, stratum: str
) -> tuple[Invitation, str]:
    token, token_hash = new_token()
    invitation = Invitation(
        draw_id=draw.id,
        member_id=member.id,
        ticket=ticket,
        stratum=stratum,
        token_hash=token_hash,
        status="invited",
        answered=False,
    )
    session.add(invitation)
    if member.device_id is not None:
        await push.notify(
            Notification(
                topic=TOPIC_INVITATIONS,
                title=LocalizedText(de="Sie wurden ausgelost", en="You were drawn by lot"),
                body=msgspec.convert(offer.title, LocalizedText),
                deep_link=f"stadtkern://participation/offers/{offer.id}",
                priority="high",
                audience=Audience(device_ids=(member.device_id,)),
            )
        )
    return invitation, token


async def _mail_invitation(
    settings: ParticipationSettings, tenant: str, offer: Offer, member: PoolMember, token: str
) -> None:
    title = str(offer.title.get(member.locale) or offer.title["de"])
    subject, body = invitation_text(title, link(settings, tenant, "invitations/respond", token))
    await send_mail(settings, member.email, subject, body)


def _candidates(
    draw_id: uuid.UUID, members: list[PoolMember], strata_by: list[str]
) -> tuple[list[Candidate], dict[str, PoolMember]]:
    """The members as the draw's candidates (in ticket order), and who holds which ticket."""
    by_ticket: dict[str, PoolMember] = {}
    candidates: list[Candidate] = []
    for member in members:
        ticket = ticket_for(str(draw_id), str(member.id))
        by_ticket[ticket] = member
        attrs = {a: getattr(member, a) for a in ATTRIBUTES}
        candidates.append(Candidate(ticket=ticket, stratum=stratum_key(attrs, strata_by)))
    candidates.sort(key=lambda c: c.ticket)
    return candidates, by_ticket


def _refuse_infeasible(details: list[Problem], prefix: str) -> None:
    """422 naming each quota that makes the draw impossible (``<prefix>.quotas[i]``), or the size."""
    if details:
        raise Invalid.many(
            [(f"{prefix}.size" if p.quota is None else f"{prefix}.quotas[{p.quota}]", p.message) for p in details]
        )


def commitment_of(seed: str) -> str:
    """The published commitment to a seed: its SHA-256, hex."""
    return hashlib.sha256(seed.encode()).hexdigest()


async def offer_draw(session: AsyncSession, offer_id: uuid.UUID) -> Draw | None:
    """The offer's draw, if it has one (it may have only one)."""
    return await session.scalar(select(Draw).where(Draw.offer_id == offer_id))


async def commit_draw(session: AsyncSession, offer: Offer, data: DrawIn, *, created_by: str) -> Draw:
    """Fix the draw's parameters and a server-chosen seed, publishing only the seed's SHA-256.

    Nobody, staff included, sees the seed before the pool is frozen (``run_draw_now``), and the
    commitment shows afterwards that it was not picked after a look at the pool. 409 if the offer
    has a draw: the unique index refuses a second one, also when two requests race.
    """
    if await offer_draw(session, offer.id) is not None:
        raise Conflict(detail="this offer has its draw already; a draw cannot be repeated")
    # Quotas the pool cannot meet now are refused here, naming body.quotas[i]; feasibility does not
    # depend on the seed, so this check reveals nothing about the draw.
    members = await eligible_members(session, utcnow())
    candidates, _ = _candidates(uuid.uuid4(), members, list(data.strata_by))
    check = await anyio.to_thread.run_sync(run_draw, candidates, data.quotas, data.size, "feasibility")
    _refuse_infeasible(check.details, "body")
    seed = secrets.token_hex(32)
    now = utcnow()
    draw = Draw(
        id=uuid.uuid4(),
        offer_id=offer.id,
        status="committed",
        size=data.size,
        seed=seed,
        seed_commitment=commitment_of(seed),
        algorithm=ALGORITHM,
        strata_by=list(data.strata_by),
        quotas=msgspec.to_builtins(data.quotas),
        candidates=[],
        allocation={},
        selected=[],
        probabilities={},
        log=[{"at": now.isoformat(), "event": "committed", "seed_commitment": commitment_of(seed)}],
        created_by=created_by,
    )
    session.add(draw)
    try:
        await session.flush()
    except IntegrityError as exc:  # another request committed the offer's draw meanwhile
        raise Conflict(detail="this offer has its draw already; a draw cannot be repeated") from exc
    return draw


async def run_draw_now(
    session: AsyncSession, push: Any, settings: ParticipationSettings, tenant: str, draw: Draw
) -> Draw:
    """Freeze the pool (the members eligible now), draw with the committed seed, reveal it, invite."""
    if draw.status != "committed":
        raise Conflict(detail=f"this draw was {draw.status} already; a draw cannot be repeated")
    offer = await TenantRepository.for_model(Offer, session).get_one(id=draw.offer_id)
    now = utcnow()
    members = await eligible_members(session, now)
    candidates, by_ticket = _candidates(draw.id, members, list(draw.strata_by))
    quotas = msgspec.convert(draw.quotas, list[Quota])
    # The allocation is an integer programme (milliseconds to about a second): off the event loop.
    result = await anyio.to_thread.run_sync(run_draw, candidates, quotas, draw.size, draw.seed)
    # The pool changed since the commit: the draw stays committed, its seed hidden
    _refuse_infeasible(result.details, "draw")
    draw.status = "drawn"
    draw.candidates = [{"ticket": c.ticket, "stratum": c.stratum} for c in candidates]
    draw.allocation = result.allocation
    draw.selected = result.selected
    draw.probabilities = result.probabilities
    entry = {"at": now.isoformat(), "event": "drawn", "pool_frozen_at": now.isoformat(), "seed": draw.seed}
    draw.log = [*draw.log, {**entry, "eligible": len(candidates), "invited": len(result.selected)}]
    await session.flush()
    strata = {c.ticket: c.stratum for c in candidates}
    mails: list[tuple[PoolMember, str]] = []
    for ticket in result.selected:
        member = by_ticket[ticket]
        _, token = await _invite(session, push, draw, offer, member, ticket, strata[ticket])
        mails.append((member, token))
    await session.flush()
    for member, token in mails:
        await _mail_invitation(settings, tenant, offer, member, token)
    return draw


async def respond_to_invitation(
    session: AsyncSession, push: Any, settings: ParticipationSettings, tenant: str, link_token: str, answer: str
) -> InvitationStatus:
    """Accept or decline the invitation of the link's token; a decline invites a replacement. The new status."""
    stmt = select(Invitation).where(Invitation.token_hash == hash_token(link_token))
    invitation = await session.scalar(stmt)
    if invitation is None:
        raise NotFound(detail="this link is not valid (any more)")
    if invitation.answered:
        raise Conflict(detail=f"this invitation was already {invitation.status}")
    draw = await TenantRepository.for_model(Draw, session).get_one(id=invitation.draw_id)
    now = utcnow()
    invitation.answered = True
    invitation.status = "accepted" if answer == "accept" else "declined"
    log = [*draw.log, {"at": now.isoformat(), "event": invitation.status, "ticket": invitation.ticket}]
    mails: list[tuple[PoolMember, str]] = []
    offer = await TenantRepository.for_model(Offer, session).get_one(id=draw.offer_id)
    if answer == "decline":
        replacement = await _replacement(session, draw, invitation.stratum, now)
        if replacement is None:
            log.append({"at": now.isoformat(), "event": "no_replacement", "stratum": invitation.stratum})
        else:
            member, ticket = replacement
            _, token = await _invite(session, push, draw, offer, member, ticket, invitation.stratum)
            mails.append((member, token))
            log.append({"at": now.isoformat(), "event": "replacement", "ticket": ticket, "for": invitation.ticket})
    draw.log = log
    await session.flush()
    for member, token in mails:
        await _mail_invitation(settings, tenant, offer, member, token)
    return invitation.status


async def _replacement(
    session: AsyncSession, draw: Draw, stratum: str, now: dt.datetime
) -> tuple[PoolMember, str] | None:
    """The next ticket of the stratum in seed order that was not invited and is still eligible."""
    invited = set(await session.scalars(select(Invitation.ticket).where(Invitation.draw_id == draw.id)))
    queue = order(draw.seed, [c["ticket"] for c in draw.candidates if c["stratum"] == stratum])
    current = {ticket_for(str(draw.id), str(m.id)): m for m in await eligible_members(session, now)}
    for ticket in queue:
        if ticket not in invited and ticket in current:
            return current[ticket], ticket
    return None
