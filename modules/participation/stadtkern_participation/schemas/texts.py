"""Multilingual texts between the JSON columns and the wire (``LocalizedText``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from schemas import LocalizedText


def text_of(value: Mapping[str, Any] | None) -> LocalizedText | None:
    """A stored ``{"de": ..., "tr": ...}`` as ``LocalizedText`` (every language: the staff view)."""
    return None if value is None else msgspec.convert(value, LocalizedText)


def stored_text(value: LocalizedText | None) -> dict[str, Any] | None:
    """An editor's ``LocalizedText`` as the JSON column stores it."""
    return None if value is None else msgspec.to_builtins(value)
