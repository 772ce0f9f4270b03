"""Secrets the module hands out or keys: the participation marker and e-mail link tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from core.api import ModuleKeys

# The purpose the marker key is derived for (``ctx.keys.derive(MARKER_PURPOSE)``); never reuse it.
MARKER_PURPOSE = "marker"


def marker_for(keys: ModuleKeys, survey_id: uuid.UUID, device_id: uuid.UUID) -> str:
    """``HMAC-SHA256(K, survey id ‖ device id)`` with ``K = keys.derive("marker")``.

    ``K`` is derived by the core from the deployment secret ``STADTKERN_SECRET_KEY`` for this module
    and this purpose only, so every API and worker process of the deployment computes the same
    marker (one response per device holds across processes and restarts), while nobody without the
    secret (a database dump included) can compute or invert it.
    """
    return hmac.new(keys.derive(MARKER_PURPOSE), survey_id.bytes + device_id.bytes, hashlib.sha256).hexdigest()


def new_token() -> tuple[str, str]:
    """A random token for an e-mail link and the SHA-256 we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The SHA-256 of a link token, as stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()
