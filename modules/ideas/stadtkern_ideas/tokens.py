"""The keyed secrets of a support: its marker (unique per idea and device) and its sealed device."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.api import ModuleKeys

# The purposes keys are derived for (``ctx.keys.derive(...)``); never reuse one for anything else.
MARKER_PURPOSE = "support-marker"
SEAL_PURPOSE = "support-seal"
_NONCE = 12


def marker_for(keys: ModuleKeys, idea_id: uuid.UUID, device_id: uuid.UUID) -> str:
    """``HMAC-SHA256(K, idea id ‖ device id)``: the same in every process, not computable without the secret."""
    return hmac.new(keys.derive(MARKER_PURPOSE), idea_id.bytes + device_id.bytes, hashlib.sha256).hexdigest()


def seal(keys: ModuleKeys, idea_id: uuid.UUID, device_id: uuid.UUID) -> str:
    """The device id under AES-GCM, bound to the idea (a seal moved to another row does not open)."""
    nonce = os.urandom(_NONCE)
    box = AESGCM(keys.derive(SEAL_PURPOSE)).encrypt(nonce, device_id.bytes, idea_id.bytes)
    return base64.urlsafe_b64encode(nonce + box).decode()


def unseal(keys: ModuleKeys, idea_id: uuid.UUID, sealed: str) -> uuid.UUID | None:
    """The device of a seal, or None when it does not open (another secret, another idea)."""
    raw = base64.urlsafe_b64decode(sealed.encode())
    try:
        plain = AESGCM(keys.derive(SEAL_PURPOSE)).decrypt(raw[:_NONCE], raw[_NONCE:], idea_id.bytes)
    except InvalidTag:
        return None
    return uuid.UUID(bytes=plain)
