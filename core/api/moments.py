"""Dates a city's data has a use for.

Year 1 with an offset east of UTC, or 9999-12-31 plus a day, overflow Python's datetime when
converted or shifted; msgspec accepts them. Modules check input dates here once, so such input is
a 422 naming the field instead of a 500 somewhere downstream.
"""

from __future__ import annotations

import datetime as dt

from core.api.errors import Invalid

FIRST_YEAR = 1900
LAST_YEAR = 2199


def plausible_year(year: int) -> bool:
    """Whether ``year`` lies in FIRST_YEAR..LAST_YEAR (1900..2199)."""
    return FIRST_YEAR <= year <= LAST_YEAR


def check_years(**moments: dt.date | None) -> None:
    """``check_years(starts_at=data.starts_at, ...)``: 422 naming ``body.<name>`` for a date outside
    FIRST_YEAR..LAST_YEAR (``datetime`` is a ``date``, so both kinds are checked)."""
    for name, value in moments.items():
        if value is not None and not plausible_year(value.year):
            raise Invalid(f"body.{name}", f"must lie between the years {FIRST_YEAR} and {LAST_YEAR}")
