"""Random invitations: editors draw N pool members for an offer; invitees accept or decline by
link; a decline invites the next member of the same stratum. Every step lands in the draw's log."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Annotated, Any, Literal

import anyio.to_thread
import msgspec
from litestar import get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy import select

from core.api import (
    Audience,
    Conflict,
    Invalid,
    ModuleContext,
    NotFound,
    Notification,
    StaffUser,
    require_editor,
    utcnow,
)
from schemas import LocalizedText
from stadtkern_participation.common import hash_token, new_token
from stadtkern_participation.mail import invitation_text, link, send_mail
from stadtkern_participation.models import Draw, Invitation, Offer, PoolMember
from stadtkern_participation.offers import Ctx, get_offer
from stadtkern_participation.pool import ConfirmIn
from stadtkern_participation.settings import ParticipationSettings
from stadtkern_participation.sortition import (
    ALGORITHM,
    ATTRIBUTES,
    Candidate,
    Quota,
    order,
    run_draw,
    stratum_key,
    ticket_for,
)

TOPIC_INVITATIONS = "participation.invitations"
Attribute = Literal["district", "age_band", "gender"]


class DrawIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    size: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    strata_by: list[Attribute] = []
    quotas: list[Quota] = []
    # Leave empty to let the server pick one; a supplied seed should come from a public source.
    seed: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None


class CandidateOut(msgspec.Struct):
    ticket: str
    stratum: str


class DrawOut(msgspec.Struct):
    id: uuid.UUID
    offer_id: uuid.UUID
    algorithm: str
    seed: str
    size: int
    strata_by: list[str]
    quotas: list[Quota]
    candidates: list[CandidateOut]
    allocation: dict[str, int]
    probabilities: dict[str, float]
    selected: list[str]
    log: list[dict[str, Any]]
    created_at: dt.datetime


class RespondIn(ConfirmIn):
    answer: Literal["accept", "decline"]


class RespondOut(msgspec.Struct):
    status: str


def draw_out(row: Draw) -> DrawOut:
    return DrawOut(
        id=row.id,
        offer_id=row.offer_id,
        algorithm=row.algorithm,
        seed=row.seed,
        size=row.size,
        strata_by=list(row.strata_by),
        quotas=msgspec.convert(row.quotas, list[Quota]),
        candidates=[CandidateOut(**c) for c in row.candidates],
        allocation=dict(row.allocation),
        probabilities=dict(row.probabilities),
        selected=list(row.selected),
        log=list(row.log),
        created_at=row.created_at,
    )


async def eligible_members(session: Any, now: dt.datetime) -> list[PoolMember]:
    """Pool members of the session's city who confirmed and whose consent still runs."""
    stmt = select(PoolMember).where(
        PoolMember.confirmed_at.is_not(None),
        PoolMember.consent_expires_at > now,
    )
    return list(await session.scalars(stmt))


async def _invite(
    ctx: ModuleContext[ParticipationSettings], draw: Draw, offer: Offer, member: PoolMember, ticket: str, stratum: str
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
    ctx.session.add(invitation)
    if member.device_id is not None:
        await ctx.push.notify(
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
    ctx: ModuleContext[ParticipationSettings], offer: Offer, member: PoolMember, token: str
) -> None:
    title = str(offer.title.get(member.locale) or offer.title["de"])
    subject, body = invitation_text(title, link(ctx.settings, ctx.tenant.slug, "invitations/respond", token))
    await send_mail(ctx.settings, member.email, subject, body)


@post(
    "/offers/{offer_id:uuid}/draws",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Draw pool members by lot for an offer, with quotas and a published seed (editors)",
)
async def create_draw(offer_id: FromPath[uuid.UUID], data: JSONBody[DrawIn], ctx: Ctx) -> DrawOut:
    offer = await get_offer(ctx, offer_id, staff=True)
    for index, quota in enumerate(data.quotas):
        if quota.attribute not in data.strata_by:
            raise Invalid(f"body.quotas[{index}].attribute", "quotas need their attribute in strata_by")
    now = utcnow()
    members = await eligible_members(ctx.session, now)
    draw_id = uuid.uuid4()
    supplied = data.seed is not None
    seed = data.seed or secrets.token_hex(16)
    by_ticket: dict[str, PoolMember] = {}
    candidates: list[Candidate] = []
    for member in members:
        ticket = ticket_for(str(draw_id), str(member.id))
        by_ticket[ticket] = member
        attrs = {a: getattr(member, a) for a in ATTRIBUTES}
        candidates.append(Candidate(ticket=ticket, stratum=stratum_key(attrs, list(data.strata_by))))
    candidates.sort(key=lambda c: c.ticket)
    # The allocation is an integer programme (milliseconds to about a second): off the event loop.
    result = await anyio.to_thread.run_sync(run_draw, candidates, data.quotas, data.size, seed)
    if result.details:
        # 422 naming each quota that makes the draw impossible (body.quotas[i]), or the size
        raise Invalid.many(
            [("body.size" if p.quota is None else f"body.quotas[{p.quota}]", p.message) for p in result.details]
        )
    user = ctx.user
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
        created_by=user.email if isinstance(user, StaffUser) else "",
    )
    ctx.session.add(draw)
    await ctx.session.flush()
    strata = {c.ticket: c.stratum for c in candidates}
    mails: list[tuple[PoolMember, str]] = []
    for ticket in result.selected:
        member = by_ticket[ticket]
        _, token = await _invite(ctx, draw, offer, member, ticket, strata[ticket])
        mails.append((member, token))
    await ctx.session.flush()
    for member, token in mails:
        await _mail_invitation(ctx, offer, member, token)
    return draw_out(draw)


@get("/draws/{draw_id:uuid}", summary="A draw as published: seed, quotas, candidates' tickets, outcome, log")
async def show_draw(draw_id: FromPath[uuid.UUID], ctx: Ctx) -> DrawOut:
    row = await ctx.repository(Draw).get_one_or_none(id=draw_id)
    if row is None:
        raise NotFound(detail="draw not found")
    return draw_out(row)


@post(
    "/invitations/respond",
    status_code=200,
    opt={"anonymous_write": "accept/decline link in an invitation e-mail (Losverfahren)"},
    summary="Accept or decline an invitation with the token from the e-mail",
)
async def respond(data: JSONBody[RespondIn], ctx: Ctx) -> RespondOut:
    stmt = select(Invitation).where(Invitation.token_hash == hash_token(data.token))
    invitation = await ctx.session.scalar(stmt)
    if invitation is None:
        raise NotFound(detail="this link is not valid (any more)")
    if invitation.answered:
        raise Conflict(detail=f"this invitation was already {invitation.status}")
    draw = await ctx.repository(Draw).get_one(id=invitation.draw_id)
    now = utcnow()
    invitation.answered = True
    invitation.status = "accepted" if data.answer == "accept" else "declined"
    log = [*draw.log, {"at": now.isoformat(), "event": invitation.status, "ticket": invitation.ticket}]
    mails: list[tuple[PoolMember, str]] = []
    offer = await ctx.repository(Offer).get_one(id=draw.offer_id)
    if data.answer == "decline":
        replacement = await _replacement(ctx, draw, invitation.stratum, now)
        if replacement is None:
            log.append({"at": now.isoformat(), "event": "no_replacement", "stratum": invitation.stratum})
        else:
            member, ticket = replacement
            _, token = await _invite(ctx, draw, offer, member, ticket, invitation.stratum)
            mails.append((member, token))
            log.append({"at": now.isoformat(), "event": "replacement", "ticket": ticket, "for": invitation.ticket})
    draw.log = log
    await ctx.session.flush()
    for member, token in mails:
        await _mail_invitation(ctx, offer, member, token)
    return RespondOut(status=invitation.status)


async def _replacement(
    ctx: ModuleContext[ParticipationSettings], draw: Draw, stratum: str, now: dt.datetime
) -> tuple[PoolMember, str] | None:
    """The next ticket of the stratum in seed order that was not invited and is still eligible."""
    invited = set(await ctx.session.scalars(select(Invitation.ticket).where(Invitation.draw_id == draw.id)))
    queue = order(draw.seed, [c["ticket"] for c in draw.candidates if c["stratum"] == stratum])
    current = {ticket_for(str(draw.id), str(m.id)): m for m in await eligible_members(ctx.session, now)}
    for ticket in queue:
        if ticket not in invited and ticket in current:
            return current[ticket], ticket
    return None


route_handlers = [create_draw, show_draw, respond]
