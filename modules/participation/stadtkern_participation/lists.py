"""List columns: offers' and surveys' topics and districts stored as one delimited string."""

from __future__ import annotations

from collections.abc import Iterable

from core.api import Invalid


def join_list(values: Iterable[str]) -> str:
    """``["a", "b"]`` -> ``",a,b,"``: one string a portable LIKE can filter on."""
    return "," + "".join(f"{v}," for v in values)


def split_list(stored: str) -> list[str]:
    """``",a,b,"`` -> ``["a", "b"]``: the stored string back as a list."""
    return [v for v in stored.split(",") if v]


def check_names(values: list[str], allowed: list[str], field: str) -> list[str]:
    """``values`` unchanged if each can be stored in a list column and is ``allowed`` (empty: any)."""
    for index, value in enumerate(values):
        if "," in value or not value.strip():
            raise Invalid(f"{field}[{index}]", "must be non-empty and contain no ','")
        if allowed and value not in allowed:
            raise Invalid(f"{field}[{index}]", f"unknown value; one of {', '.join(allowed)}")
    return values
