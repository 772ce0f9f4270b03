"""Random invitations: draw N pool members for an offer; invitees accept or decline by link; a
decline invites the next member of the same stratum. Every step lands in the draw's log."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import anyio.to_thread
import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Audience, Conflict, Invalid, NotFound, Notification, TenantRepository, utcnow
from schemas import LocalizedText
from stadtkern_participation.mail import invitation_text, link, send_mail
from stadtkern_participation.models import Draw, Invitation, Offer, PoolMember
from stadtkern_participation.schemas.draws import DrawIn
from stadtkern_participation.settings import ParticipationSettings
from stadtkern_participation.sortition import ALGORITHM, ATTRIBUTES, Candidate, order, run_draw, stratum_key, ticket_for
from stadtkern_participation.tokens import hash_token, new_token

TOPIC_INVITATIONS = "participation.invitations"


async def eligible_members(session: Any, now: dt.datetime) -> list[PoolMember]:
    """Pool members of the session's city who confirmed and whose consent still runs."""
    stmt = select(PoolMember).where(
        PoolMember.confirmed_at.is_not(None),
        PoolMember.consent_expires_at > now,
    )
    return list(await session.scalars(stmt))


async def get_draw(session: AsyncSession, draw_id: uuid.UUID) -> Draw:
    """The city's draw; 404 if there is none."""
    repo: TenantRepository[Draw] = TenantRepository.for_model(Draw, session)
    row = await repo.get_one_or_none(id=draw_id)
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


async def draw_by_lot(
    session: AsyncSession,
    push: Any,
    settings: ParticipationSettings,
    tenant: str,
    offer: Offer,
    data: DrawIn,
    *,
    created_by: str,
) -> Draw:
    """Draw the eligible pool members for ``offer``, record the draw and invite the selected."""
    now = utcnow()
    members = await eligible_members(session, now)
    draw_id = uuid.uuid4()
    supplied = data.seed is not None
    seed = data.seed or secrets.token_hex(16)
    candidates, by_ticket = _candidates(draw_id, members, list(data.strata_by))
    # The allocation is an integer programme (milliseconds to about a second): off the event loop.
    result = await anyio.to_thread.run_sync(run_draw, candidates, data.quotas, data.size, seed)
    if result.details:
        # 422 naming each quota that makes the draw impossible (body.quotas[i]), or the size
        raise Invalid.many(
            [("body.size" if p.quota is None else f"body.quotas[{p.quota}]", p.message) for p in result.details]
        )
    draw = Draw(
        id=draw_id,
        offer_id=offer.id,
        size=data.size,
        seed=seed,
        algorithm=ALGORITHM,
        strata_by=list(data.strata_by),
        quotas=msgspec.to_builtins(data.quotas),
        candidates=[{"ticket": c.ticket, "stratum": c.stratum} for c in candidates],
        allocation=result.allocation,
        selected=result.selected,
        probabilities=result.probabilities,
        log=[
            {
                "at": now.isoformat(),
                "event": "drawn",
                "seed_supplied_by_staff": supplied,
                "eligible": len(candidates),
                "invited": len(result.selected),
            }
        ],
        created_by=created_by,
    )
    session.add(draw)
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
) -> str:
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
