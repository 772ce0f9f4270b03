"""Delivery backends: ``fcm`` (firebase-admin) and ``log`` (the embedded default)."""

from push.backends.base import Backend, OutMessage, SendResult

__all__ = ["Backend", "OutMessage", "SendResult"]
