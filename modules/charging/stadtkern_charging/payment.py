"""Ways to pay at a charger, as bits of ``Location.payment_mask`` (one integer filters on both databases)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

PaymentMethod = Literal["rfid", "app", "credit_card", "debit_card", "contactless", "card_terminal", "cash"]
PAYMENT_METHODS: tuple[str, ...] = get_args(PaymentMethod)
BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(PAYMENT_METHODS)}

# OCPI 2.2.1 EVSE capabilities that say how a driver pays.
FROM_CAPABILITY = {
    "RFID_READER": "rfid",
    "REMOTE_START_STOP_CAPABLE": "app",
    "CREDIT_CARD_PAYABLE": "credit_card",
    "DEBIT_CARD_PAYABLE": "debit_card",
    "CONTACTLESS_CARD_SUPPORT": "contactless",
    "CHIP_CARD_SUPPORT": "card_terminal",
    "PED_TERMINAL": "card_terminal",
}


def mask(methods: Iterable[str]) -> int:
    """The bits of the named methods (unknown names are ignored)."""
    value = 0
    for name in methods:
        value |= BITS.get(name, 0)
    return value


def methods(value: int) -> list[str]:
    """The names in a mask, in the vocabulary's order."""
    return [name for name in PAYMENT_METHODS if value & BITS[name]]


def from_capabilities(capabilities: Iterable[str]) -> int:
    """The mask an EVSE's capabilities imply."""
    return mask(FROM_CAPABILITY[c] for c in capabilities if c in FROM_CAPABILITY)
