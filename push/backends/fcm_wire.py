"""FCM HTTP v1 on the wire, as firebase-admin 7 writes and reads it: request bodies, outcomes.

:func:`request_body` is the JSON the SDK's encoder makes of :func:`push.backends.fcm.build_message`;
:func:`result` and :func:`failure` are the :class:`SendResult` that :class:`push.backends.fcm.FcmBackend`
makes of the exception firebase-admin raises for the same answer (or the same transport error).
``tests/push/test_fcm_http2.py`` checks both against the SDK itself.
"""

from __future__ import annotations

import email.utils
import math
import time
import zlib
from typing import Any

import msgspec

from push.backends.base import OutMessage, SendResult
from push.backends.fcm import DEACTIVATE, PERMANENT
from push.backends.h2pool import ConnectFailed, RequestTimeout, Response

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
# firebase-admin's FCM_ERROR_TYPES, by the code push.backends.fcm._code gives each exception class.
FCM_CODES = {
    "APNS_AUTH_ERROR": "THIRD_PARTY_AUTH_ERROR",
    "THIRD_PARTY_AUTH_ERROR": "THIRD_PARTY_AUTH_ERROR",
    "QUOTA_EXCEEDED": "QUOTA_EXCEEDED",
    "SENDER_ID_MISMATCH": "SENDER_ID_MISMATCH",
    "UNREGISTERED": "UNREGISTERED",
}
# The platform codes firebase-admin has an exception class for; any other status is UNKNOWN.
PLATFORM_CODES = {
    "ABORTED", "ALREADY_EXISTS", "CANCELLED", "CONFLICT", "DATA_LOSS", "DEADLINE_EXCEEDED",
    "FAILED_PRECONDITION", "INTERNAL", "INVALID_ARGUMENT", "NOT_FOUND", "OUT_OF_RANGE",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "UNAUTHENTICATED", "UNAVAILABLE", "UNKNOWN",
}  # fmt: skip
HTTP_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "CONFLICT",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


# -- the request -----------------------------------------------------------------------------


def request_body(m: OutMessage) -> bytes:
    """The JSON body firebase-admin sends for :func:`push.backends.fcm.build_message` of ``m``.

    Same fields, same order (the SDK encoder's); raises ValueError where the SDK's would.
    """
    if not isinstance(m.token, str) or not m.token:
        raise ValueError("Message.token must be a non-empty string.")
    data = dict(m.data)
    data["notification_id"] = str(m.notification_id)
    if m.deep_link:
        data["deep_link"] = m.deep_link
    if any(not isinstance(k, str) or not isinstance(v, str) for k, v in data.items()):
        raise ValueError("Message.data must not contain non-string keys or values.")
    high = m.priority == "high"
    collapse = m.collapse_key or str(m.notification_id)  # see build_message: a re-send replaces
    notification = {k: v for k, v in (("body", m.body), ("title", m.title)) if v is not None}
    if any(not isinstance(v, str) for v in notification.values()):
        raise ValueError("Notification.title and body must be strings.")
    android = {
        "collapse_key": collapse,
        "notification": {"tag": collapse},
        "priority": "high" if high else "normal",
        "ttl": ttl(m.ttl_seconds),
    }
    apns = {"headers": {"apns-priority": "10" if high else "5", "apns-collapse-id": collapse}}
    message: dict[str, Any] = {"android": android, "apns": apns, "data": data}
    if notification:
        message["notification"] = notification
    message["token"] = m.token
    return _encode({"message": message})


def ttl(seconds: float) -> str:
    """A duration as the SDK's ``encode_ttl`` writes it (``"3600s"``, ``"1.500000000s"``)."""
    if seconds < 0:
        raise ValueError("AndroidConfig.ttl must not be negative.")
    whole = math.floor(seconds)
    nanos = int((seconds - whole) * 1e9)
    return f"{whole}.{str(nanos).zfill(9)}s" if nanos else f"{whole}s"


# -- the outcome -----------------------------------------------------------------------------


def result(response: Response) -> SendResult:
    """The :class:`SendResult` FcmBackend gives for the same HTTP answer."""
    content = _content(response)
    if 200 <= response.status < 300:
        try:
            return SendResult(ok=True, message_id=_decode(content)["name"])
        except (msgspec.DecodeError, KeyError, TypeError) as exc:  # the SDK fails the whole batch
            return SendResult(ok=False, code="UNKNOWN", detail=f"unreadable FCM answer: {exc!r}"[:500], retryable=True)
    text = content.decode(errors="replace")
    error: dict[str, Any] = {}
    try:
        parsed = _decode(content)
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
            error = parsed["error"]
    except msgspec.DecodeError:
        pass
    message = error.get("message") or f"Unexpected HTTP response with status: {response.status}; body: {text}"
    code = _code(error, response.status)
    return SendResult(
        ok=False,
        code=code,
        detail=str(message)[:500],
        retryable=code not in PERMANENT,
        deactivate_token=code in DEACTIVATE,
        retry_after=retry_after(response.headers.get(b"retry-after")),
    )


def _code(error: dict[str, Any], status: int) -> str:
    # The FcmError detail first (its errorCode picks the SDK's exception class), then the
    # google.rpc status, then the HTTP status: firebase-admin's order.
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("@type") == FCM_ERROR:
            fcm = detail.get("errorCode")
            if fcm in FCM_CODES:
                return FCM_CODES[fcm]
            break
    code = error.get("status") or HTTP_CODES.get(status, "UNKNOWN")
    return code if code in PLATFORM_CODES else "UNKNOWN"


def retry_after(header: bytes | None) -> float | None:
    """``Retry-After`` in seconds from now: a number of seconds or an HTTP date (as fcm._retry_after)."""
    if not header:
        return None
    value = header.decode("latin-1")
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        return None if parsed is None else max(0.0, email.utils.mktime_tz(parsed) - time.time())


def failure(exc: Exception) -> SendResult:
    """A request without an HTTP answer, worded and coded as firebase-admin's handle_httpx_error."""
    if isinstance(exc, RequestTimeout):
        code, message = "DEADLINE_EXCEEDED", f"Timed out while making an API call: {exc}"
    elif isinstance(exc, ConnectFailed):
        code, message = "UNAVAILABLE", f"Failed to establish a connection: {exc}"
    else:
        code, message = "UNKNOWN", f"Unknown error while making a remote service call: {exc}"
    return SendResult(ok=False, code=code, detail=message[:500], retryable=True)


def _content(response: Response) -> bytes:
    # The SDK's request accepts gzip, deflate and br (httpx's defaults), so this one does too.
    encoding = response.headers.get(b"content-encoding", b"identity").strip().lower()
    if encoding == b"gzip":
        return zlib.decompress(response.body, 16 + zlib.MAX_WBITS)
    if encoding == b"deflate":
        try:
            return zlib.decompress(response.body)
        except zlib.error:
            return zlib.decompress(response.body, -zlib.MAX_WBITS)
    if encoding == b"br":
        import brotli

        return bytes(brotli.decompress(response.body))
    return response.body
