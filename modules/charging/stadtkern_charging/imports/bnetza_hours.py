"""The register's opening hours ("247", or weekdays with times) as OCPI Hours."""

from __future__ import annotations

import re
from typing import Any

from stadtkern_charging.imports.bnetza_columns import WEEKDAYS, split_cells
from stadtkern_charging.ocpi.values import Repairs

_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def opening_times(kind: str, days: str, times: str, repairs: Repairs) -> dict[str, Any] | None:
    """``"247"`` → 24/7; weekdays and times → regular hours; "Keine Angabe" or nothing → not told (None)."""
    if kind.strip() == "247":
        return {"twentyfourseven": True, "regular_hours": [], "exceptional_openings": [], "exceptional_closings": []}
    day_names, spans = split_cells(days), [s.strip() for s in times.split(";") if s.strip()]
    if not day_names or len(day_names) != len(spans):
        return None
    regular = []
    for name, span in zip(day_names, spans, strict=True):
        weekday, match = WEEKDAYS.get(name.casefold()), _SPAN.match(span)
        if weekday is None or match is None:
            repairs.repair("Öffnungszeiten", f"{name[:20]!r} {span[:20]!r} not understood, hours left out")
            return None
        begin = f"{int(match[1]):02d}:{match[2]}"
        end = f"{int(match[3]):02d}:{match[4]}"
        regular.append({"weekday": weekday, "period_begin": begin, "period_end": end})
    if len(regular) == 7 and all(r["period_begin"] == "00:00" and r["period_end"] == "23:59" for r in regular):
        return {"twentyfourseven": True, "regular_hours": [], "exceptional_openings": [], "exceptional_closings": []}
    return {"twentyfourseven": False, "regular_hours": regular, "exceptional_openings": [], "exceptional_closings": []}
