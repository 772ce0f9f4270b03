"""The HTTP/2 sender against firebase-admin itself: the same requests, the same outcomes.

Both backends talk to the same fake FCM server over HTTP/2 (h2c), which records every request
as it arrived (method, path, headers, body). For every notification shape the dispatcher
produces, the SDK's request and the lean sender's must be equal: path, every header but
``user-agent`` (it names the HTTP library: ``python-httpx/…`` for the SDK, ``stadtkern-push
h2/…`` here; FCM does not act on it, and the SDK's identification, ``x-goog-api-client`` and
``X-FIREBASE-CLIENT``, is compared) and the JSON body (decoded, and byte for byte too).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import re
import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from push.backends import SENDER_ENV, make_backend
from push.backends.base import OutMessage, SendResult
from push.backends.fcm import ENDPOINT_ENV, FcmBackend
from push.backends.fcm_http2 import FcmHttp2Backend, _channel
from push.models import PushDelivery
from tests.push.conftest import CREDENTIALS_ENV, DORTMUND, Clock, add_device, make_dispatcher, notify
from tests.push.fake_fcm import (
    DROP,
    HANG,
    INVALID_ARGUMENT,
    SENDER_ID_MISMATCH,
    UNAVAILABLE,
    UNREGISTERED,
    FakeFcm,
    Reply,
    quota_exceeded,
)

Sessions = async_sessionmaker[AsyncSession]
NOT_COMPARED = {"user-agent"}  # see the module docstring
# Headers firebase-admin sends that must be there (and equal), beside the pseudo-headers.
SDK_HEADERS = {
    "authorization",
    "content-type",
    "content-length",
    "x-goog-api-format-version",
    "x-firebase-client",
    "x-goog-api-client",
    "accept",
    "accept-encoding",
}
TOKEN = "tok-equal-" + "e" * 140


def message(**overrides: Any) -> OutMessage:
    values: dict[str, Any] = {
        "delivery_id": uuid.uuid4(),
        "notification_id": uuid.UUID("0190c4a2-0000-7000-8000-000000000001"),
        "device_id": uuid.uuid4(),
        "token": TOKEN,
        "title": "Stadtfest am Samstag",
        "body": "Ab 14 Uhr in der Innenstadt",
        "deep_link": "stadtkern://events/123",
    }
    values.update(overrides)
    return OutMessage(**values)


SHAPES = {
    "normal": message(),
    "high": message(priority="high"),
    "no_deep_link": message(deep_link=None),
    "collapse_key": message(collapse_key="storm-2026"),
    "high_collapse_no_link": message(priority="high", collapse_key="storm", deep_link=None),
    "custom_ttl": message(ttl_seconds=3_600),
    "ttl_zero": message(ttl_seconds=0),
    "extra_data": message(data={"kind": "weather", "district": "nord", "notification_id": "overridden"}),
    "non_ascii": message(title="Straßenfest 🎉 «Ünïcødé»", body='Ärger? "Nein" \\ ok\nZeile 2 — مرحبا 你好'),
    "empty_texts": message(title="", body=""),
}


@pytest.fixture
def backends(fcm: FakeFcm) -> tuple[FcmBackend, FcmHttp2Backend]:
    """The SDK backend and the lean one, one Firebase app (credentials) between them, both over h2c."""
    return FcmBackend("dortmund", CREDENTIALS_ENV), FcmHttp2Backend("dortmund", CREDENTIALS_ENV)


async def one_request(fcm: FakeFcm, backend: Any, m: OutMessage) -> tuple[SendResult, dict[str, Any]]:
    before = len(fcm.requests)
    [result] = await backend.send([m])
    assert len(fcm.requests) > before, "nothing reached the fake FCM server"
    return result, fcm.requests[-1]


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_the_same_request_as_firebase_admin(
    fcm: FakeFcm, backends: tuple[FcmBackend, FcmHttp2Backend], shape: str
) -> None:
    sdk, lean = backends
    sdk_result, expected = await one_request(fcm, sdk, SHAPES[shape])
    lean_result, actual = await one_request(fcm, lean, SHAPES[shape])

    assert sdk_result.ok and lean_result.ok
    assert actual["method"] == expected["method"] == "POST"
    assert actual["path"] == expected["path"] == f"/v1/projects/{fcm.project}/messages:send"
    assert set(expected["headers"]) >= SDK_HEADERS
    assert expected["headers"]["authorization"] == "Bearer fake-fcm-access-token"
    assert expected["headers"]["x-goog-api-client"].endswith("cred-type/sa")  # google-auth's part of it
    assert {k: v for k, v in actual["headers"].items() if k not in NOT_COMPARED} == {
        k: v for k, v in expected["headers"].items() if k not in NOT_COMPARED
    }
    assert actual["headers"][":path"] == expected["headers"][":path"]  # pseudo-headers included
    assert actual["json"] == expected["json"]
    assert actual["raw"] == expected["raw"]  # even the bytes: same field order, same JSON encoding
    assert "validate_only" not in actual["json"]


def http_date(seconds_ahead: float) -> str:
    return email.utils.formatdate(time.time() + seconds_ahead, usegmt=True)


OUTCOMES = {
    "ok": Reply(200),
    "unregistered": UNREGISTERED,
    "sender_id_mismatch": SENDER_ID_MISMATCH,
    "quota_retry_after_seconds": quota_exceeded(120),
    "quota_retry_after_date": Reply(429, "QUOTA_EXCEEDED", retry_after="DATE"),
    "unavailable": UNAVAILABLE,
    "unavailable_retry_after": Reply(503, "UNAVAILABLE", retry_after="30"),
    "internal": Reply(500, "INTERNAL"),
    "internal_plain": Reply(500),
    "invalid_argument": INVALID_ARGUMENT,
    "third_party_auth_401": Reply(401, "THIRD_PARTY_AUTH_ERROR"),  # FCM answers it with 401
    "apns_auth_error": Reply(403, "APNS_AUTH_ERROR"),
    "not_found_plain": Reply(404),
    "dropped_connection": DROP,
    "timeout": HANG,
}
NETWORK = {"dropped_connection", "timeout"}


@pytest.mark.parametrize("case", list(OUTCOMES))
async def test_the_same_outcome_as_firebase_admin(
    fcm: FakeFcm, backends: tuple[FcmBackend, FcmHttp2Backend], case: str
) -> None:
    sdk, lean = backends
    reply = OUTCOMES[case]
    if reply.retry_after == "DATE":
        reply = Reply(reply.status, reply.fcm_code, retry_after=http_date(90))
    if case == "timeout":  # both senders with the same short timeout (the SDK's httpTimeout)
        sdk.service._async_client._timeout = 0.5
        _channel("dortmund", lean.app).timeout = 0.5
    results = []
    requests = []
    for backend in (sdk, lean):
        fcm.always[TOKEN] = reply
        before = len(fcm.requests)
        [result] = await backend.send([message()])
        results.append(result)
        requests.append(len(fcm.requests) - before)
    expected, actual = results

    assert requests[0] == requests[1]  # e.g. a 401 is sent three times by both (two token refreshes)
    if case == "ok":
        assert expected.ok and actual.ok
        assert re.fullmatch(rf"projects/{fcm.project}/messages/\d+", actual.message_id or "")
        assert re.fullmatch(rf"projects/{fcm.project}/messages/\d+", expected.message_id or "")
        return
    assert not actual.ok and not expected.ok
    if case == "quota_retry_after_date":  # seconds until a date: both read it a moment apart
        assert expected.retry_after is not None and actual.retry_after is not None
        assert abs(expected.retry_after - actual.retry_after) < 2 and 80 < actual.retry_after <= 90
        actual.retry_after = expected.retry_after
    if case in NETWORK:  # the words after the prefix are the HTTP library's own
        assert actual.detail and expected.detail
        assert actual.detail.split(":")[0] == expected.detail.split(":")[0]
        actual.detail = expected.detail
    assert actual == expected


async def test_fcm_semantics_of_the_outcomes(fcm: FakeFcm, backends: tuple[FcmBackend, FcmHttp2Backend]) -> None:
    """What the dispatcher acts on, spelt out for the lean sender (the test above ties it to the SDK)."""
    _, lean = backends
    tokens = {name: f"tok-sem-{name}-" + "s" * 20 for name in ("gone", "quota", "busy", "bad", "fine")}
    fcm.always.update(
        {
            tokens["gone"]: UNREGISTERED,
            tokens["quota"]: quota_exceeded(42),
            tokens["busy"]: UNAVAILABLE,
            tokens["bad"]: INVALID_ARGUMENT,
        }
    )
    gone, quota, busy, bad, fine = await lean.send([message(token=t) for t in tokens.values()])
    assert (gone.code, gone.deactivate_token, gone.retryable) == ("UNREGISTERED", True, False)
    assert (quota.code, quota.retryable, quota.retry_after) == ("QUOTA_EXCEEDED", True, 42.0)
    assert (busy.code, busy.retryable, busy.deactivate_token) == ("UNAVAILABLE", True, False)
    assert (bad.code, bad.retryable, bad.deactivate_token) == ("INVALID_ARGUMENT", False, False)
    assert fine.ok


async def test_one_token_refresh_for_concurrent_batches(
    fcm: FakeFcm, backends: tuple[FcmBackend, FcmHttp2Backend]
) -> None:
    _, lean = backends
    await lean.send([message()])
    credential = lean.app.credential.get_credential()
    credential.expiry = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=30)  # near expiry
    assert not credential.valid
    before = fcm.token_requests
    batches = await asyncio.gather(
        *(lean.send([message(token=f"tok-refresh-{b}-{i}") for i in range(50)]) for b in range(4))
    )
    assert fcm.token_requests == before + 1
    assert all(r.ok for batch in batches for r in batch) and credential.valid


async def test_the_sender_is_chosen_by_the_environment(fcm: FakeFcm, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(make_backend(DORTMUND), FcmHttp2Backend)  # the default
    monkeypatch.setenv(SENDER_ENV, "sdk")
    assert isinstance(make_backend(DORTMUND), FcmBackend)
    monkeypatch.setenv(SENDER_ENV, "http3")
    with pytest.raises(RuntimeError, match="STADTKERN_FCM_SENDER"):
        make_backend(DORTMUND)
    monkeypatch.setenv(SENDER_ENV, "http2")
    monkeypatch.setenv(ENDPOINT_ENV, fcm.base_url)  # HTTP/1.1 only
    with pytest.raises(RuntimeError, match="h2c://"):
        make_backend(DORTMUND)


async def test_a_fan_out_through_the_lean_sender(fcm: FakeFcm, sessions: Sessions, clock: Clock) -> None:
    """Every token once, every delivery recorded; a dead token deactivated, a 503 retried later."""
    tokens = [f"tok-fan-{i:04d}-" + "f" * 20 for i in range(600)]
    for token in tokens:
        await add_device(sessions, token, "en" if tokens.index(token) % 3 == 0 else "de")
    fcm.always[tokens[7]] = UNREGISTERED
    fcm.rules[tokens[8]] = [UNAVAILABLE]
    nid = await notify(sessions, clock)
    dispatcher = make_dispatcher(sessions, clock)
    assert isinstance(dispatcher.backend, FcmHttp2Backend)

    stats = await dispatcher.run()
    clock.advance(60)  # past the 503's backoff
    await make_dispatcher(sessions, clock).run()

    assert stats.sent == 598 and stats.deactivated == 1 and stats.retried == 1
    assert fcm.h2_requests == len(fcm.requests) == 601  # all over HTTP/2
    delivered = fcm.delivered()
    assert set(delivered) == set(tokens) - {tokens[7]} and set(delivered.values()) == {1}
    async with sessions() as session:
        states = dict(
            (
                await session.execute(
                    sa.select(PushDelivery.state, sa.func.count())
                    .where(PushDelivery.notification_id == nid)
                    .group_by(PushDelivery.state)
                )
            ).all()
        )
    assert states == {"sent": 599, "failed": 1}
    by_token = {m["token"]: m for m in fcm.received}
    assert by_token[tokens[0]]["notification"]["title"] == "Severe weather warning"
    assert by_token[tokens[1]]["notification"]["title"] == "Unwetterwarnung"
