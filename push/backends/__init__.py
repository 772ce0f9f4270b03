"""Delivery backends: ``fcm`` (firebase-admin) and ``log`` (the embedded default)."""

from core.api import TenantInfo
from push.backends.base import Backend, OutMessage, SendResult


def make_backend(tenant: TenantInfo) -> Backend:
    """The city's backend, as its manifest names it (``push_backend``); firebase-admin loads only for ``fcm``."""
    if tenant.push_backend == "fcm":
        from push.backends.fcm import FcmBackend

        return FcmBackend(tenant.slug, tenant.push_credentials_env)
    from push.backends.log import LogBackend

    return LogBackend(tenant.slug)


__all__ = ["Backend", "OutMessage", "SendResult", "make_backend"]
