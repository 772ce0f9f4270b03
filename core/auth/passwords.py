"""Staff passwords: argon2id via argon2-cffi with its maintained defaults (RFC 9106)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps the response time the same (no account probing).
_DUMMY_HASH = _hasher.hash("stadtkern-timing-equaliser")
MIN_LENGTH = 12


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` with the library's current parameters."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; the same work is done when there is no account."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's (upgraded at sign-in)."""
    return _hasher.check_needs_rehash(password_hash)
