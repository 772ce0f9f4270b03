"""Delivery backends: ``fcm`` (FCM through firebase-admin's credentials) and ``log`` (the embedded default).

For ``push_backend = "fcm"`` the environment variable ``STADTKERN_FCM_SENDER`` picks the sender:

* ``http2`` (the default): :class:`push.backends.fcm_http2.FcmHttp2Backend`, the SDK's requests
  (same URL, headers and JSON body, proven by ``tests/push/test_fcm_http2.py``) sent over HTTP/2
  with ``h2``, several times cheaper per message than the SDK's httpx path;
* ``sdk``: :class:`push.backends.fcm.FcmBackend`, firebase-admin's ``send_each_async``, the
  reference. Also the one to use with an HTTP/1.1-only (``http://``) ``STADTKERN_FCM_ENDPOINT``.
"""

import os

from core.api import TenantInfo
from push.backends.base import Backend, OutMessage, SendResult

SENDER_ENV = "STADTKERN_FCM_SENDER"
SENDERS = ("http2", "sdk")


def make_backend(tenant: TenantInfo) -> Backend:
    """The city's backend, as its manifest names it (``push_backend``); firebase-admin loads only for ``fcm``."""
    if tenant.push_backend == "fcm":
        sender = os.environ.get(SENDER_ENV, "http2").strip().lower() or "http2"
        if sender not in SENDERS:
            raise RuntimeError(f"{SENDER_ENV}={sender!r}: expected one of {', '.join(SENDERS)}")
        if sender == "sdk":
            from push.backends.fcm import FcmBackend

            return FcmBackend(tenant.slug, tenant.push_credentials_env)
        from push.backends.fcm_http2 import FcmHttp2Backend

        return FcmHttp2Backend(tenant.slug, tenant.push_credentials_env)
    from push.backends.log import LogBackend

    return LogBackend(tenant.slug)


__all__ = ["SENDERS", "SENDER_ENV", "Backend", "OutMessage", "SendResult", "make_backend"]
