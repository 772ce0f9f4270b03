"""App installs: register, read, update, delete. The credential returned is the resident's bearer."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal, cast

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api.created import created_resource
from core.api.errors import Invalid, NotFound
from core.api.guards import require_device
from core.api.identity import DeviceUser
from core.api.limits import Budget
from core.api.tenancy import sessions_for_city
from core.auth.tokens import device_token
from core.device_data import delete_all, export_all
from core.loader import Tenant
from core.models import Device
from core.routes.deps import request_limits
from core.settings import Settings
from schemas import Key

Platform = Literal["ios", "android", "web"]
AppVersion = Annotated[str, msgspec.Meta(pattern=r"^\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$", max_length=32)]
PushToken = Annotated[str, msgspec.Meta(min_length=16, max_length=4096)]


class DeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    platform: Platform
    locale: Key
    app_version: AppVersion
    push_token: PushToken | None = None


class DevicePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    locale: Key | msgspec.UnsetType = msgspec.UNSET
    app_version: AppVersion | msgspec.UnsetType = msgspec.UNSET
    # null removes the token (push switched off in the phone's settings)
    push_token: PushToken | msgspec.UnsetType | None = msgspec.UNSET


class DeviceOut(msgspec.Struct):
    id: uuid.UUID
    platform: Platform  # an enum in the document, as in DeviceIn (generated clients get the same type)
    locale: str
    app_version: str
    has_push_token: bool
    created_at: dt.datetime


class DeviceRegistered(msgspec.Struct):
    device: DeviceOut
    credential: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


def _out(device: Device) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        platform=cast(Platform, device.platform),
        locale=device.locale,
        app_version=device.app_version,
        has_push_token=bool(device.push_token and device.push_token_active),
        created_at=device.created_at,
    )


def _check_locale(city: NamedDependency[Tenant], locale: str) -> str:
    if locale not in city.info.locales:
        raise Invalid("body.locale", f"must be one of {', '.join(city.info.locales)}")
    return locale


async def _mine(db_session: NamedDependency[AsyncSession], request: Request[DeviceUser, Any, Any]) -> Device:
    device = await db_session.get(Device, request.user.device_id)
    if device is None or device.tenant_id != request.user.tenant:
        raise NotFound(detail="device not found")
    return device


@post(
    "/devices",
    status_code=HTTP_201_CREATED,
    summary="Register an app install",
    opt={"anonymous_write": "registration is how a device gets its credential", **created_resource("/devices/me")},
)
async def register_device(
    data: JSONBody[DeviceIn],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[Any, Any, Any],
) -> DeviceRegistered:
    settings: Settings = request.app.state.settings
    # Every registration is a new identity with its own request budget: without this, a script
    # would mint devices to escape the API-wide limit.
    budget = Budget("device-registration", settings.device_registrations_per_address_hour, 3600)
    await request_limits(request).spend(budget)
    device = Device(
        tenant_id=city.slug,
        platform=data.platform,
        locale=_check_locale(city, data.locale),
        app_version=data.app_version,
        push_token=data.push_token,
        push_token_active=True,
        credential_version=1,
    )
    db_session.add(device)
    await db_session.flush()
    credential = device_token(request.app.state.auth, device, settings.device_token_days)
    return DeviceRegistered(device=_out(device), credential=credential)


@get("/devices/me", guards=[require_device], summary="This device")
async def read_device(db_session: NamedDependency[AsyncSession], request: Request[DeviceUser, Any, Any]) -> DeviceOut:
    return _out(await _mine(db_session, request))


@patch("/devices/me", guards=[require_device], summary="Update locale, app version or push token")
async def update_device(
    data: JSONBody[DevicePatch],
    city: NamedDependency[Tenant],
    db_session: NamedDependency[AsyncSession],
    request: Request[DeviceUser, Any, Any],
) -> DeviceOut:
    device = await _mine(db_session, request)
    if data.locale is not msgspec.UNSET:
        device.locale = _check_locale(city, data.locale)
    if data.app_version is not msgspec.UNSET:
        device.app_version = data.app_version
    if data.push_token is not msgspec.UNSET:
        device.push_token = data.push_token
        device.push_token_active = data.push_token is not None
    await db_session.flush()
    return _out(device)


class DeviceExport(msgspec.Struct):
    device: DeviceOut
    # module id -> what that module keeps about the device (its DeviceData export)
    modules: dict[str, Any]


def _city_sessions(request: Request[Any, Any, Any], city: Tenant) -> async_sessionmaker[AsyncSession]:
    return sessions_for_city(request.app.state.session_factory, city.slug)


@get(
    "/devices/me/export",
    guards=[require_device],
    summary="Everything every module of this city holds about this device (GDPR Art. 15 and 20)",
)
async def export_device(city: NamedDependency[Tenant], request: Request[DeviceUser, Any, Any]) -> DeviceExport:
    """Survey answers are not in it: nothing links them to the device, which is the point."""
    async with _city_sessions(request, city)() as session:
        device = await _mine(session, request)
        modules = await export_all(city, session, device.id, request.app.state.settings.secret_key)
    return DeviceExport(device=_out(device), modules=modules)


@delete(
    "/devices/me",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete this device and everything every module keeps about it",
)
async def delete_device(city: NamedDependency[Tenant], request: Request[DeviceUser, Any, Any]) -> Response[None]:
    """Every module's delete hook and the device row, in one transaction: all of it or nothing."""
    async with _city_sessions(request, city)() as session, session.begin():
        device = await _mine(session, request)
        await delete_all(city, session, device.id, request.app.state.settings.secret_key)
        await session.delete(device)
    return Response(None, status_code=HTTP_204_NO_CONTENT)
