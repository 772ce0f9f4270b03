"""FCM's HTTP v1 send API spoken directly over HTTP/2: firebase-admin's requests, far cheaper.

firebase-admin stays the reference and keeps the credentials: the Firebase app, its credential
(google-auth, whose token this sender refreshes and applies), the send URL (including the local
``$STADTKERN_FCM_ENDPOINT`` override of :func:`push.backends.fcm.configure_service`) and the
request headers all come from the SDK's own objects. What is done here instead of by the SDK:

* the JSON body, built from plain dicts in the SDK encoder's field order and encoded by msgspec
  (no per-message ``messaging.Message`` objects and validators: they cost more than the send);
* the transport, :class:`push.backends.h2pool.H2Pool` (h2, one protocol per connection) instead
  of httpx: a batch of 125 goes out as 125 concurrent streams on one or a few connections;
* the error mapping, reproducing what firebase-admin raises and :mod:`push.backends.fcm` turns
  into a :class:`SendResult` (``tests/push/test_fcm_http2.py`` proves requests and outcomes equal).

Auth: the access token is refreshed in a thread (google-auth's refresh blocks), only when the
credential is no longer ``valid`` (expired or within google-auth's refresh threshold), one
refresh at a time; a 401 forces a refresh and a resend, at most twice, as the SDK's auth flow does.

Select the SDK path instead with ``STADTKERN_FCM_SENDER=sdk`` (see :mod:`push.backends`).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import firebase_admin
import google.auth.transport.requests
import h2

from push.backends.base import OutMessage, SendResult
from push.backends.fcm import ENDPOINT_ENV, configure_service, firebase_app
from push.backends.fcm_wire import failure, request_body, result
from push.backends.h2pool import H2Pool, Response, TransportError

# Headers of the SDK's request that this sender does not copy: the connection is HTTP/2's own
# business (h2 forbids ``connection``), ``host`` becomes ``:authority``, the length is per body,
# and ``user-agent`` names the HTTP library, which is not httpx here (FCM does not act on it;
# the SDK identifies itself in ``x-goog-api-client`` and ``X-FIREBASE-CLIENT``, copied as they are).
NOT_COPIED = {"connection", "host", "content-length", "user-agent"}
USER_AGENT = f"stadtkern-push h2/{h2.__version__}"
AUTH_RETRIES = 2  # firebase-admin's GoogleAuthCredentialFlow: two forced refreshes on 401


class _Auth:
    """The SDK credential's request headers, rebuilt whenever its token changes."""

    def __init__(self, credential: Any, url: str, base: dict[str, str]) -> None:
        self.credential = credential
        self.url = url
        self.base = base
        self.token: str | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self._lock = asyncio.Lock()
        self._request = google.auth.transport.requests.Request()

    async def current(self) -> tuple[str | None, list[tuple[bytes, bytes]]]:
        if not self.credential.valid:
            async with self._lock:  # one refresh at a time; the others wait for its token
                if not self.credential.valid:
                    await asyncio.to_thread(self.credential.refresh, self._request)
        if self.credential.token != self.token or not self.headers:
            headers = dict(self.base)
            # The token is valid, so this only applies it: authorization, the cred-type part of
            # x-goog-api-client, x-goog-user-project if the key names one, as for the SDK.
            self.credential.before_request(self._request, "POST", self.url, headers)
            self.token = self.credential.token
            self.headers = [(k.lower().encode(), str(v).encode()) for k, v in headers.items()]
        return self.token, self.headers

    async def rejected(self, token: str | None) -> None:
        """FCM answered 401 to ``token``: refresh, unless another request already did."""
        async with self._lock:
            if self.credential.token == token:
                await asyncio.to_thread(self.credential.refresh, self._request)


def sdk_request(service: Any) -> tuple[str, dict[str, str]]:
    """The URL and headers of the SDK's send request (built by its own httpx client, not sent)."""
    client = service._async_client._async_client
    request = client.build_request("POST", service._fcm_url, headers=dict(service._fcm_headers), content=b"{}")
    headers = {k: v for k, v in request.headers.items() if k.lower() not in NOT_COPIED}
    headers["content-type"] = "application/json"  # the SDK's json= sets it
    headers["user-agent"] = USER_AGENT
    return service._fcm_url, headers


@dataclass
class _Channel:
    """A city's way to FCM in one event loop: its auth state and connections, shared by every
    backend of the city (each dispatcher run makes one), as the SDK shares its cached service."""

    app: firebase_admin.App
    loop: asyncio.AbstractEventLoop
    path: bytes
    auth: _Auth
    pool: H2Pool
    timeout: float


_channels: dict[str, _Channel] = {}


def _channel(tenant: str, app: firebase_admin.App) -> _Channel:
    loop = asyncio.get_running_loop()
    channel = _channels.get(tenant)
    if channel is not None and channel.app is app and channel.loop is loop:
        return channel
    service = configure_service(app)  # the SDK's URL, endpoint override included
    url, base = sdk_request(service)
    split = urlsplit(url)
    tls = split.scheme == "https"
    timeout = float(app.options.get("httpTimeout", 120) or 1e9)  # the SDK's default, and None = none
    pool = H2Pool(split.hostname or "", split.port or (443 if tls else 80), tls=tls, connect_timeout=timeout)
    path = (split.path + (f"?{split.query}" if split.query else "")).encode()
    channel = _Channel(app, loop, path, _Auth(app.credential.get_credential(), url, base), pool, timeout)
    _channels[tenant] = channel
    return channel


async def close_channel(tenant: str) -> None:
    """Close the city's HTTP/2 connections (push.backends.fcm.close_app calls this)."""
    channel = _channels.pop(tenant, None)
    if channel is not None and channel.loop is asyncio.get_running_loop():
        await channel.pool.close()


class FcmHttp2Backend:
    name = "fcm"

    def __init__(self, tenant: str, credentials_env: str | None) -> None:
        self.tenant = tenant
        self.app: firebase_admin.App = firebase_app(tenant, credentials_env)
        configure_service(self.app)
        _check_endpoint()

    async def send(self, messages: list[OutMessage]) -> list[SendResult]:
        channel = _channel(self.tenant, self.app)
        results: list[SendResult | None] = [None] * len(messages)
        bodies: dict[int, bytes] = {}
        for i, m in enumerate(messages):
            try:
                bodies[i] = request_body(m)
            except (ValueError, TypeError) as exc:  # refused locally: FCM would say INVALID_ARGUMENT
                results[i] = SendResult(ok=False, code="INVALID_ARGUMENT", detail=str(exc)[:500])
        for attempt in range(AUTH_RETRIES + 1):
            token, answered = await self._send_all(channel, bodies)
            rejected = [i for i, r in answered.items() if isinstance(r, Response) and r.status == 401]
            last = not rejected or attempt == AUTH_RETRIES
            for i, answer in answered.items():
                if last or i not in rejected:
                    results[i] = result(answer) if isinstance(answer, Response) else failure(answer)
            if last:
                break
            await channel.auth.rejected(token)
            bodies = {i: bodies[i] for i in rejected}
        return [r if r is not None else failure(TransportError("not sent")) for r in results]

    @staticmethod
    async def _send_all(
        channel: _Channel, bodies: dict[int, bytes]
    ) -> tuple[str | None, dict[int, Response | Exception]]:
        """All bodies as concurrent streams (bounded by the pool's streams and connections)."""
        token, headers = await channel.auth.current()
        futures: dict[int, asyncio.Future[Response]] = {}
        answered: dict[int, Response | Exception] = {}
        try:
            for i, body in bodies.items():
                request_headers = [*headers, (b"content-length", str(len(body)).encode())]
                try:
                    futures[i] = await channel.pool.submit(
                        b"POST", channel.path, request_headers, body, channel.timeout
                    )
                except TransportError as exc:
                    answered[i] = exc
            outcomes = await asyncio.gather(*futures.values(), return_exceptions=True)
        except asyncio.CancelledError:
            channel.pool.discard(futures.values())
            raise
        for i, outcome in zip(futures, outcomes, strict=True):
            answered[i] = outcome if isinstance(outcome, Response | Exception) else TransportError(repr(outcome))
        return token, answered

    async def close(self) -> None:
        # The connections outlive a dispatcher run (as the SDK's do); close_app closes them.
        return None


def _check_endpoint() -> None:
    """Refuse an HTTP/1.1-only endpoint when the backend is made, not at the first send."""
    endpoint = os.environ.get(ENDPOINT_ENV)
    if endpoint and not endpoint.startswith(("h2c://", "https://")):
        raise RuntimeError(
            f"{ENDPOINT_ENV}={endpoint}: the HTTP/2 FCM sender needs an h2c:// or https:// endpoint "
            "(or STADTKERN_FCM_SENDER=sdk)"
        )
