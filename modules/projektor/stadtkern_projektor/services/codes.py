"""Check-in codes residents show at the lab."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: read aloud or typed at the desk without mistakes.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def check_in_code() -> str:
    """A fresh six-character code."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(6))
