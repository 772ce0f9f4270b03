"""OCPI Hours: read and checked, and "is it open at this moment" in the location's time zone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stadtkern_charging.ocpi.values import Rejected, Repairs, parse_datetime

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _periods(value: Any, field: str, repairs: Repairs) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        repairs.repair(field, "not a list, dropped")
        return []
    kept = []
    for i, item in enumerate(value):
        try:
            if not isinstance(item, dict):
                raise Rejected(f"{field}[{i}]: not an ExceptionalPeriod")
            begin = parse_datetime(item.get("period_begin"), f"{field}[{i}].period_begin", repairs)
            end = parse_datetime(item.get("period_end"), f"{field}[{i}].period_end", repairs)
            kept.append({"period_begin": begin.isoformat(), "period_end": end.isoformat()})
        except Rejected as exc:
            repairs.repair(f"{field}[{i}]", f"dropped ({exc})")
    return kept


def _regular(value: Any, field: str, repairs: Repairs) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        repairs.repair(field, "not a list, dropped")
        return []
    kept = []
    for i, item in enumerate(value):
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("weekday"), int)
            and 1 <= item["weekday"] <= 7
            and all(isinstance(item.get(k), str) and _HHMM.match(item[k]) for k in ("period_begin", "period_end"))
        )
        if ok:
            kept.append({k: item[k] for k in ("weekday", "period_begin", "period_end")})
        else:
            repairs.repair(f"{field}[{i}]", "not a RegularHours (weekday 1-7, HH:MM), dropped")
    return kept


def parse_hours(value: Any, field: str, repairs: Repairs) -> dict[str, Any] | None:
    """An OCPI Hours object; without ``twentyfourseven`` or regular hours it is dropped (not told)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("twentyfourseven"), bool):
        repairs.repair(field, "Hours without twentyfourseven, dropped")
        return None
    hours: dict[str, Any] = {
        "twentyfourseven": value["twentyfourseven"],
        "regular_hours": _regular(value.get("regular_hours"), f"{field}.regular_hours", repairs),
        "exceptional_openings": _periods(value.get("exceptional_openings"), f"{field}.exceptional_openings", repairs),
        "exceptional_closings": _periods(value.get("exceptional_closings"), f"{field}.exceptional_closings", repairs),
    }
    if not hours["twentyfourseven"] and not hours["regular_hours"] and not hours["exceptional_openings"]:
        repairs.repair(field, "neither 24/7 nor any regular hours, dropped")
        return None
    return hours


def always_open(hours: dict[str, Any] | None) -> bool:
    """Open at every moment: no hours told, or 24/7 without exceptional closings."""
    return hours is None or (bool(hours.get("twentyfourseven")) and not hours.get("exceptional_closings"))


def _within(periods: list[dict[str, str]], moment: dt.datetime) -> bool:
    return any(
        dt.datetime.fromisoformat(p["period_begin"]) <= moment < dt.datetime.fromisoformat(p["period_end"])
        for p in periods
    )


def is_open(hours: dict[str, Any] | None, time_zone: str, moment: dt.datetime) -> bool:
    """Whether the location admits drivers at ``moment``: closings beat openings beat regular hours."""
    if hours is None:
        return True
    if _within(hours.get("exceptional_closings", []), moment):
        return False
    if hours.get("twentyfourseven") or _within(hours.get("exceptional_openings", []), moment):
        return True
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    clock = local.strftime("%H:%M")
    for period in hours.get("regular_hours", []):
        begin, end = period["period_begin"], period["period_end"]
        if period["weekday"] == local.isoweekday() and begin <= clock < end:
            return True
        # A period past midnight ("22:00"-"06:00") runs into the next day.
        yesterday = (local.isoweekday() - 2) % 7 + 1
        if end < begin and (
            (period["weekday"] == local.isoweekday() and clock >= begin)
            or (period["weekday"] == yesterday and clock < end)
        ):
            return True
    return False
