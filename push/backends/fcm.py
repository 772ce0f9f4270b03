"""FCM through firebase-admin's async API, one Firebase app per city.

Error handling follows the FCM HTTP v1 error codes: ``UNREGISTERED`` and ``SENDER_ID_MISMATCH``
deactivate the token; ``INVALID_ARGUMENT`` fails for good; ``QUOTA_EXCEEDED``/``UNAVAILABLE``/
``INTERNAL`` and network errors are retried by the dispatcher, honouring ``Retry-After``
(firebase-admin's async path retries 500/503 itself but ignores ``Retry-After``).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import firebase_admin
import httpx
from firebase_admin import credentials, exceptions, messaging
from firebase_admin._retry import HttpxRetry

from push.backends.base import OutMessage, SendResult

log = logging.getLogger("stadtkern.push.fcm")

DEACTIVATE = {"UNREGISTERED", "SENDER_ID_MISMATCH"}
PERMANENT = {"INVALID_ARGUMENT", *DEACTIVATE}
# The FCM send URL of firebase-admin's messaging service, overridable for a local fake FCM server
# (tests, benchmark): firebase-admin has no emulator or endpoint setting.
ENDPOINT_ENV = "STADTKERN_FCM_ENDPOINT"

_apps: dict[str, firebase_admin.App] = {}


def firebase_app(tenant: str, credentials_env: str | None) -> firebase_admin.App:
    """The city's Firebase app, created once from the service-account JSON in ``credentials_env``."""
    app = _apps.get(tenant)
    if app is not None:
        return app
    if not credentials_env:
        raise RuntimeError(f"city {tenant!r} uses push_backend 'fcm' but has no push_credentials_env")
    raw = os.environ.get(credentials_env)
    if not raw:
        raise RuntimeError(f"environment variable {credentials_env} (Firebase credentials of {tenant!r}) is empty")
    info: dict[str, Any] = json.loads(raw)
    app = firebase_admin.initialize_app(
        credentials.Certificate(info), options={"projectId": info.get("project_id")}, name=f"stadtkern-{tenant}"
    )
    _apps[tenant] = app
    return app


async def close_app(tenant: str) -> None:
    """Drop the city's Firebase app, closing its HTTP clients in the running event loop.

    (``firebase_admin.delete_app`` closes the async client with ``asyncio.run``, which cannot
    run inside a loop, so the messaging service is closed here first.)
    """
    from push.backends.fcm_http2 import close_channel

    await close_channel(tenant)  # the HTTP/2 sender's connections, if it was used
    app = _apps.pop(tenant, None)
    if app is None:
        return
    services = getattr(app, "_services", None) or {}
    service = services.pop("_messaging", None)
    if service is not None:
        await service._async_client._async_client.aclose()
        service._client.close()
    firebase_admin.delete_app(app)


def configure_service(app: firebase_admin.App) -> Any:
    """firebase-admin's cached messaging service of ``app``, adjusted in two deliberate ways.

    * The send URL points at ``$STADTKERN_FCM_ENDPOINT`` when set (a local fake FCM server).
      An ``h2c://host:port`` endpoint is spoken to in HTTP/2 with prior knowledge, as the SDK
      speaks to FCM (HTTP/2 over TLS): over plain ``http://`` httpx falls back to HTTP/1.1,
      whose connection pool costs several times more client CPU per message than FCM's protocol.
    * Its own 500/503 retries are switched off: they ignore ``Retry-After`` and hold the whole
      batch of 500 for up to 7.5 s. The dispatcher retries instead, per message, persisted,
      with jitter, honouring ``Retry-After``. (Private attributes: if a release renames them the
      SDK's retries simply stay on, which is still correct, only slower.)
    """
    service = messaging._get_messaging_service(app)
    endpoint = os.environ.get(ENDPOINT_ENV)
    if getattr(service, "_stadtkern_endpoint", False) == endpoint:
        return service  # configured already (every dispatcher run makes a backend): keep its connections
    service._stadtkern_endpoint = endpoint
    h2c = bool(endpoint and endpoint.startswith("h2c://"))
    if endpoint:
        base = "http://" + endpoint.removeprefix("h2c://") if h2c else endpoint
        service._fcm_url = f"{base.rstrip('/')}/v1/projects/{service._project_id}/messages:send"
    client = getattr(getattr(service, "_async_client", None), "_async_client", None)
    for transport in (getattr(client, "_mounts", None) or {}).values():
        if hasattr(transport, "_retry"):
            transport._retry = HttpxRetry(max_retries=0)
        if h2c and hasattr(transport, "_wrapped_transport"):
            transport._wrapped_transport = httpx.AsyncHTTPTransport(http1=False, http2=True, retries=0)
    return service


def build_message(m: OutMessage) -> messaging.Message:
    data = dict(m.data)
    data["notification_id"] = str(m.notification_id)
    if m.deep_link:
        data["deep_link"] = m.deep_link
    high = m.priority == "high"
    # A message sent twice (a worker died after FCM accepted it, before the outcome was stored)
    # replaces the first on the phone instead of showing twice: the notification id is the default
    # collapse key, Android's notification tag and APNs' collapse id (at most 64 bytes; a UUID is 36).
    collapse = m.collapse_key or str(m.notification_id)
    android = messaging.AndroidConfig(
        priority="high" if high else "normal",
        ttl=m.ttl_seconds,
        collapse_key=collapse,
        notification=messaging.AndroidNotification(tag=collapse),
    )
    apns_headers = {"apns-priority": "10" if high else "5", "apns-collapse-id": collapse}
    message = messaging.Message(
        notification=messaging.Notification(title=m.title, body=m.body),
        data=data,
        android=android,
        apns=messaging.APNSConfig(headers=apns_headers),
    )
    # Apps register FCM registration tokens, which the HTTP v1 API still takes as ``token``; the
    # constructor argument warns (deprecated in 7.6 in favour of installation ids), so we set the
    # attribute deliberately instead of silencing warnings process-wide.
    message.token = m.token
    return message


def _result(response: messaging.SendResponse) -> SendResult:
    if response.success:
        return SendResult(ok=True, message_id=response.message_id)
    error = response.exception
    code = _code(error)
    retry_after = _retry_after(error)
    return SendResult(
        ok=False,
        code=code,
        detail=str(error)[:500],
        retryable=code not in PERMANENT,
        deactivate_token=code in DEACTIVATE,
        retry_after=retry_after,
    )


def _code(error: Any) -> str:
    if isinstance(error, messaging.UnregisteredError):
        return "UNREGISTERED"
    if isinstance(error, messaging.SenderIdMismatchError):
        return "SENDER_ID_MISMATCH"
    if isinstance(error, messaging.QuotaExceededError):
        return "QUOTA_EXCEEDED"
    if isinstance(error, messaging.ThirdPartyAuthError):
        return "THIRD_PARTY_AUTH_ERROR"
    if isinstance(error, exceptions.InvalidArgumentError):
        return "INVALID_ARGUMENT"
    if isinstance(error, exceptions.FirebaseError):
        return str(error.code)
    return "UNKNOWN"


def _retry_after(error: Any) -> float | None:
    response = getattr(error, "http_response", None)
    header = response.headers.get("retry-after") if response is not None else None
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        import email.utils
        import time

        parsed = email.utils.parsedate_tz(header)
        return None if parsed is None else max(0.0, email.utils.mktime_tz(parsed) - time.time())


class FcmBackend:
    name = "fcm"

    def __init__(self, tenant: str, credentials_env: str | None) -> None:
        self.tenant = tenant
        self.app = firebase_app(tenant, credentials_env)
        self.service = configure_service(self.app)

    async def send(self, messages: list[OutMessage]) -> list[SendResult]:
        built: list[messaging.Message] = []
        results: list[SendResult | None] = []
        for m in messages:
            try:
                built.append(build_message(m))
                results.append(None)
            except (ValueError, TypeError) as exc:  # refused locally: would be INVALID_ARGUMENT
                results.append(SendResult(ok=False, code="INVALID_ARGUMENT", detail=str(exc)[:500]))
        batch = await messaging.send_each_async(built, app=self.app) if built else None
        responses = iter(batch.responses if batch is not None else [])
        return [r if r is not None else _result(next(responses)) for r in results]

    async def close(self) -> None:
        return None
