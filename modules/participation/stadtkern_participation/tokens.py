"""Secrets the module hands out or keys: the participation markers, participation codes and e-mail
link tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from core.api import ModuleKeys

# The purposes keys are derived for (``ctx.keys.derive(...)``); never reuse one for anything else.
MARKER_PURPOSE = "marker"
CODE_PURPOSE = "code"
# Crockford's base32: no I, L, O, U, so a code typed from a letter is hard to get wrong.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS, CODE_GROUP = 3, 4  # XXXX-XXXX-XXXX: 60 random bits
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


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


def marker_for_code(keys: ModuleKeys, survey_id: uuid.UUID, code: str) -> str:
    """The marker of a redeemed participation code: ``HMAC-SHA256(K, survey id ‖ "code:" ‖ code)``,
    ``K`` the marker key; it lands in the marker table like a device's marker, and so shares its
    unlinkability (no code, no time, reordered with the answers)."""
    return hmac.new(keys.derive(MARKER_PURPOSE), survey_id.bytes + b"code:" + code.encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    """A random participation code, as printed: ``XXXX-XXXX-XXXX``."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP))
    return "-".join(chars[i : i + CODE_GROUP] for i in range(0, len(chars), CODE_GROUP))


def normal_code(typed: str) -> str | None:
    """A code as a resident typed it (any case, dashes or spaces, O for 0, I or L for 1); None if malformed."""
    code = "".join(typed.split()).replace("-", "").upper().translate(_READ_AS)
    if len(code) != CODE_GROUPS * CODE_GROUP or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def code_hash(keys: ModuleKeys, survey_id: uuid.UUID, code: str) -> str:
    """What the code table stores for a (normalised) code: ``HMAC-SHA256(keys.derive("code"), survey ‖ code)``.

    Keyed, not a plain SHA-256: 60 bits could be searched from a database dump, not without the secret.
    """
    return hmac.new(keys.derive(CODE_PURPOSE), survey_id.bytes + code.encode(), hashlib.sha256).hexdigest()
