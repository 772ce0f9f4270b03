"""The Mitmachpool: registration with e-mail double opt-in, consent that expires, withdrawal.

Links in e-mails carry random tokens; the database keeps only their SHA-256. A link opens the
city's web page (``public_base_url``), which posts the token here: a GET that acted would let
mail scanners confirm or withdraw on the resident's behalf.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import Response, delete, get, post
from litestar.params import HeaderParameter, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from sqlalchemy import select

from core.api import DeviceUser, ModuleContext, NotFound, utcnow
from stadtkern_participation.common import check_names, hash_token, new_token
from stadtkern_participation.mail import confirmation_text, link, send_mail
from stadtkern_participation.models import PoolMember
from stadtkern_participation.offers import Ctx
from stadtkern_participation.settings import ParticipationSettings

AgeBand = Literal["16-17", "18-29", "30-44", "45-59", "60-74", "75+"]
Gender = Literal["female", "male", "diverse", "none"]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
PoolToken = Annotated[str, HeaderParameter(name="X-Pool-Token")]


class RegistrationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email
    locale: Literal["de", "en"] = "de"
    district: str | None = None
    age_band: AgeBand | None = None
    gender: Gender | None = None
    interests: Annotated[list[str], msgspec.Meta(max_length=20)] = []
    # With a device credential: invitations also arrive as push on this device.
    link_device: bool = False


class Accepted(msgspec.Struct):
    status: str


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=10, max_length=100)]


class ConsentOut(msgspec.Struct):
    confirmed: bool
    consent_expires_at: dt.datetime | None


class MemberOut(msgspec.Struct):
    email: str
    locale: str
    district: str | None
    age_band: str | None
    gender: str | None
    interests: list[str]
    device_linked: bool
    registered_at: dt.datetime
    confirmed_at: dt.datetime | None
    consent_expires_at: dt.datetime | None


def member_out(row: PoolMember) -> MemberOut:
    return MemberOut(
        email=row.email,
        locale=row.locale,
        district=row.district,
        age_band=row.age_band,
        gender=row.gender,
        interests=list(row.interests),
        device_linked=row.device_id is not None,
        registered_at=row.created_at,
        confirmed_at=row.confirmed_at,
        consent_expires_at=row.consent_expires_at,
    )


def consent_until(settings: ParticipationSettings, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=round(30.44 * settings.consent_months))


async def _by_token(ctx: ModuleContext[ParticipationSettings], column: Any, token: str) -> PoolMember:
    stmt = select(PoolMember).where(column == hash_token(token))
    row = await ctx.session.scalar(stmt)
    if row is None:
        raise NotFound(detail="this link is not valid (any more)")
    return row


@post(
    "/pool/registrations",
    status_code=HTTP_202_ACCEPTED,
    opt={"anonymous_write": "Mitmachpool sign-up from the web or the app; the e-mail double opt-in confirms it"},
    summary="Register with the Mitmachpool; a confirmation link is sent by e-mail",
)
async def register(data: JSONBody[RegistrationIn], ctx: Ctx) -> Accepted:
    if data.district is not None:
        check_names([data.district], ctx.settings.districts, "body.district")
    interests = check_names(data.interests, ctx.settings.topics, "body.interests")
    email = data.email.strip().lower()
    repo = ctx.repository(PoolMember)
    row = await repo.get_one_or_none(email=email)
    confirm, confirm_hash = new_token()
    manage, manage_hash = new_token()
    if row is None:
        row = await repo.add(PoolMember(email=email, manage_token_hash=manage_hash, interests=[]))
    # Same answer whether or not the address was known: the endpoint reveals no membership.
    row.locale = data.locale
    row.district = data.district
    row.age_band = data.age_band
    row.gender = data.gender
    row.interests = interests
    row.confirm_token_hash = confirm_hash
    row.manage_token_hash = manage_hash
    user = ctx.user
    if data.link_device and isinstance(user, DeviceUser) and user.tenant == ctx.tenant.slug:
        row.device_id = user.device_id
    await ctx.session.flush()
    subject, body = confirmation_text(
        link(ctx.settings, ctx.tenant.slug, "pool/confirm", confirm),
        link(ctx.settings, ctx.tenant.slug, "pool/manage", manage),
        ctx.settings.consent_months,
    )
    await send_mail(ctx.settings, email, subject, body)
    return Accepted(status="confirmation_sent")


@post(
    "/pool/confirm",
    status_code=200,
    opt={"anonymous_write": "the confirmation (or consent renewal) link in a Mitmachpool e-mail"},
    summary="Confirm a registration or renew consent with the token from the e-mail",
)
async def confirm(data: JSONBody[ConfirmIn], ctx: Ctx) -> ConsentOut:
    row = await _by_token(ctx, PoolMember.confirm_token_hash, data.token)
    now = utcnow()
    row.confirmed_at = row.confirmed_at or now
    row.consent_expires_at = consent_until(ctx.settings, now)
    row.reminder_sent_at = None
    row.confirm_token_hash = None
    await ctx.session.flush()
    return ConsentOut(confirmed=True, consent_expires_at=row.consent_expires_at)


@get("/pool/me", summary="Everything the pool holds about the holder of a manage link (X-Pool-Token)")
async def export_member(token: PoolToken, ctx: Ctx) -> MemberOut:
    return member_out(await _by_token(ctx, PoolMember.manage_token_hash, token))


@delete(
    "/pool/me",
    status_code=HTTP_204_NO_CONTENT,
    opt={"anonymous_write": "withdrawal from the Mitmachpool with the manage link in every pool e-mail"},
    summary="Withdraw from the Mitmachpool: the record is deleted",
)
async def withdraw(token: PoolToken, ctx: Ctx) -> Response[None]:
    row = await _by_token(ctx, PoolMember.manage_token_hash, token)
    await ctx.session.delete(row)
    await ctx.session.flush()
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [register, confirm, export_member, withdraw]
