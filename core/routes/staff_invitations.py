"""Invitations over HTTP: how a person comes to work for a city (the only way an account gets a first role).

The admin invites an e-mail with roles and gets a one-time token to pass on (the core sends no
mail); the answer is the same whether or not the e-mail has an account elsewhere. The person
accepts with a new password (no account yet) or their account's password (their consent).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from core.api.created import created_resource
from core.api.db import utcnow
from core.api.errors import Conflict, Gone, Invalid, NotFound
from core.api.guards import require_admin
from core.api.identity import ALL_MODULES, StaffUser
from core.api.limits import Budget
from core.auth.passwords import MIN_LENGTH, verify_password
from core.loader import Tenant
from core.models import StaffInvitation
from core.routes.deps import request_limits
from core.routes.staff_common import SIGN_IN_WINDOW, Email, StaffOut, account_out, check_grants, problem
from core.settings import Settings
from core.staff import create_account, find_by_email, grants_in, set_grants
from core.staff_invitations import INVITATION_DAYS, by_token, invite, pending, usable
from schemas import Key

ACCEPT_PATH = "/v1/{city}/staff/invitations/accept"


class InvitationIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    # used only if the e-mail has no account yet (an existing account keeps its name)
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # module id (or "*" for the whole city) -> role
    grants: Annotated[dict[Key, Key], msgspec.Meta(max_length=50)]


class InvitationOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    display_name: str
    grants: dict[str, str]
    expires_at: dt.datetime


class InvitationCreated(msgspec.Struct):
    invitation: InvitationOut
    # shown once, never stored: pass it on to the person (the core sends no mail)
    token: str
    accept_path: str


class InvitationPage(msgspec.Struct):
    items: list[InvitationOut]


class AcceptIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    # a new account's password, or the existing account's (then the roles are added to it)
    password: Annotated[str, msgspec.Meta(min_length=MIN_LENGTH, max_length=1024)]


def _out(row: StaffInvitation) -> InvitationOut:
    return InvitationOut(
        id=row.id, email=row.email, display_name=row.display_name, grants=dict(row.grants), expires_at=row.expires_at
    )


@post(
    "/staff/invitations",
    guards=[require_admin],
    status_code=HTTP_201_CREATED,
    summary=(
        f"Invite an e-mail to this city's staff with roles; returns a one-time token (valid {INVITATION_DAYS} days) "
        "to pass on. Whether the e-mail has an account elsewhere is not told; 409 only if it is staff here already"
    ),
    responses={409: problem(409, "the e-mail is staff of this city already: change its roles instead")},
    # read back without the token, which only this answer shows
    opt=created_resource("/staff/invitations/{invitation.id}"),
)
async def create_invitation(
    data: JSONBody[InvitationIn],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[StaffUser, Any, Any],
) -> InvitationCreated:
    grants = check_grants(request.app.state.plan, city, data.grants)
    if not grants:
        raise Invalid("body.grants", "give at least one role")
    existing = await find_by_email(db_session, data.email)
    # Only this city's own staff is told apart: the admin can list them anyway.
    if existing is not None and await grants_in(db_session, existing.id, city.slug):
        raise Conflict(detail="this e-mail is staff of this city already; change its roles instead")
    row, token = await invite(db_session, city.slug, data.email, data.display_name, grants, request.user.staff_id)
    return InvitationCreated(invitation=_out(row), token=token, accept_path=ACCEPT_PATH.format(city=city.slug))


@get("/staff/invitations", guards=[require_admin], summary="This city's invitations not yet accepted or expired")
async def list_invitations(city: NamedDependency[Tenant], db_session: NamedDependency[AsyncSession]) -> InvitationPage:
    return InvitationPage(items=[_out(row) for row in await pending(db_session, city.slug)])


async def _pending_here(session: AsyncSession, city: Tenant, invitation_id: uuid.UUID) -> StaffInvitation:
    """An invitation of this city still to be accepted (as the list shows them); 404 otherwise."""
    row = await session.get(StaffInvitation, invitation_id)
    if row is None or row.tenant_id != city.slug or not usable(row):
        raise NotFound(detail="invitation not found")
    return row


@get(
    "/staff/invitations/{invitation_id:uuid}",
    guards=[require_admin],
    summary="One invitation of this city not yet accepted or expired, without its token (only its creation shows it)",
)
async def show_invitation(
    invitation_id: FromPath[uuid.UUID], city: NamedDependency[Tenant], db_session: NamedDependency[AsyncSession]
) -> InvitationOut:
    return _out(await _pending_here(db_session, city, invitation_id))


@delete(
    "/staff/invitations/{invitation_id:uuid}",
    guards=[require_admin],
    status_code=HTTP_204_NO_CONTENT,
    summary="Withdraw an invitation of this city; its token stops working",
)
async def withdraw_invitation(
    invitation_id: FromPath[uuid.UUID], city: NamedDependency[Tenant], db_session: NamedDependency[AsyncSession]
) -> Response[None]:
    row = await _pending_here(db_session, city, invitation_id)
    await db_session.delete(row)
    return Response(None, status_code=HTTP_204_NO_CONTENT)


@post(
    "/staff/invitations/accept",
    status_code=HTTP_200_OK,
    summary=(
        "Accept an invitation with its token: with a new password if the e-mail has no account, else with "
        "the account's password (the roles are added to it). Then sign in as usual"
    ),
    opt={"anonymous_write": "the invitation token is the credential; the password is the person's consent"},
    responses={
        401: problem(401, "the e-mail has an account and this is not its password"),
        410: problem(410, "the invitation was used or has expired"),
    },
)
async def accept_invitation(
    data: JSONBody[AcceptIn],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[Any, Any, Any],
) -> StaffOut:
    settings: Settings = request.app.state.settings
    limits = request_limits(request)
    await limits.spend(Budget("invitation-address", settings.sign_in_per_address, SIGN_IN_WINDOW))
    row = await by_token(db_session, city.slug, data.token)
    if row is None:
        raise NotFound(detail="invitation not found")
    if not usable(row):
        raise Gone(detail="this invitation was used or has expired")
    # A password is checked or hashed below (argon2): the account budget of sign-in applies.
    await limits.spend(Budget("sign-in-account", settings.sign_in_per_account, SIGN_IN_WINDOW), row.email)
    account = await find_by_email(db_session, row.email)
    if account is None:
        account = await create_account(db_session, row.email, row.display_name, data.password)
    elif not verify_password(account.password_hash, data.password):
        raise NotAuthorizedException(detail="this e-mail has a staff account: give its password")
    # The person consented, so an account no city employed any more works again.
    account.active = True
    # a module the city switched off since the invitation is left out
    offered = {m: r for m, r in row.grants.items() if m == ALL_MODULES or m in city.modules}
    current = await grants_in(db_session, account.id, city.slug)
    await set_grants(db_session, account.id, city.slug, {**current, **offered})
    row.accepted_at = utcnow()
    return await account_out(db_session, account, city.slug)


ROUTES = [create_invitation, list_invitations, show_invitation, withdraw_invitation, accept_invitation]
