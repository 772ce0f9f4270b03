"""The Mitmachpool's routes: sign-up, the confirmation link, a member's export and withdrawal.

Each write is the action behind an e-mail link or a sign-up form; the token is the credential.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Response, delete, get, post
from litestar.params import HeaderParameter, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from core.api import Budget, DeviceUser, RequestContext
from stadtkern_participation.lists import check_names
from stadtkern_participation.models import PoolMember
from stadtkern_participation.schemas.pool import (
    Accepted,
    ConfirmIn,
    ConsentOut,
    MemberOut,
    RegistrationIn,
    member_out,
)
from stadtkern_participation.services.pool import (
    confirm_consent,
    member_by_token,
    normal_email,
    register_member,
    withdraw_member,
)
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]
PoolToken = Annotated[str, HeaderParameter(name="X-Pool-Token")]
HOUR, DAY = 3600, 86400


@post(
    "/pool/registrations",
    status_code=HTTP_202_ACCEPTED,
    opt={"anonymous_write": "Mitmachpool sign-up from the web or the app; the e-mail double opt-in confirms it"},
    summary="Register with the Mitmachpool; a confirmation link is sent by e-mail",
)
async def register(data: JSONBody[RegistrationIn], ctx: Ctx) -> Accepted:
    """The same answer whether or not the address was registered before; 429 beyond the budgets."""
    settings, limits = ctx.settings, ctx.limits
    assert limits is not None  # always set inside a request
    await limits.spend(Budget("participation-pool-address", settings.pool_signups_per_address_hour, HOUR))
    # Spent before the look-up, for known and unknown addresses alike: a 429 reveals no membership.
    per_email = Budget("participation-pool-email", settings.pool_signups_per_email_day, DAY)
    await limits.spend(per_email, normal_email(data.email))
    if data.district is not None:
        check_names([data.district], ctx.settings.districts, "body.district")
    interests = check_names(data.interests, ctx.settings.topics, "body.interests")
    user = ctx.user
    device_id = None
    if data.link_device and isinstance(user, DeviceUser) and user.tenant == ctx.tenant.slug:
        device_id = user.device_id
    await register_member(ctx.session, ctx.settings, ctx.tenant.slug, data, interests=interests, device_id=device_id)
    return Accepted(status="confirmation_sent")


@post(
    "/pool/confirm",
    status_code=200,
    opt={"anonymous_write": "the confirmation (or consent renewal) link in a Mitmachpool e-mail"},
    summary="Confirm a registration or renew consent with the token from the e-mail",
)
async def confirm(data: JSONBody[ConfirmIn], ctx: Ctx) -> ConsentOut:
    """Consent runs for ``consent_months`` from now."""
    row = await confirm_consent(ctx.session, ctx.settings, data.token)
    return ConsentOut(confirmed=True, consent_expires_at=row.consent_expires_at)


@get("/pool/me", summary="Everything the pool holds about the holder of a manage link (X-Pool-Token)")
async def export_member(token: PoolToken, ctx: Ctx) -> MemberOut:
    """The record of the manage link's holder."""
    return member_out(await member_by_token(ctx.session, PoolMember.manage_token_hash, token))


@delete(
    "/pool/me",
    status_code=HTTP_204_NO_CONTENT,
    opt={"anonymous_write": "withdrawal from the Mitmachpool with the manage link in every pool e-mail"},
    summary="Withdraw from the Mitmachpool: the record is deleted",
)
async def withdraw(token: PoolToken, ctx: Ctx) -> Response[None]:
    """The record of the manage link's holder is deleted, not kept as withdrawn."""
    await withdraw_member(ctx.session, token)
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [register, confirm, export_member, withdraw]
