"""A changed date's own title, description and place (a feed's RECURRENCE-ID with its own SUMMARY…)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from stadtkern_events.models import Event
from stadtkern_events.recurrence import local_midnight
from stadtkern_events.schemas import ChangeIn


def own_of(change: ChangeIn) -> dict[str, Any]:
    """A changed date's own title, description and place, only those it has."""
    own: dict[str, Any] = {}
    if change.title:
        own["title"] = dict(change.title)
    if change.description:
        own["description"] = dict(change.description)
    if change.place and (change.place.name or change.place.address):
        own["place"] = {"name": change.place.name, "address": change.place.address}
    return own


def own_columns(event: Event, tz: ZoneInfo) -> dict[dt.datetime, dict[str, Any]]:
    """The occurrence columns of each changed date that has its own title or place, by recurrence id."""
    out: dict[dt.datetime, dict[str, Any]] = {}
    for change in event.changes:
        if not change.get("title") and not change.get("place"):
            continue
        rid = change["recurrence_id"]
        key = local_midnight(dt.date.fromisoformat(rid), tz) if event.all_day else dt.datetime.fromisoformat(rid)
        place = change.get("place") or {}
        out[key.astimezone(dt.UTC)] = {
            "own_title": change.get("title"),
            "own_place_name": place.get("name"),
            "own_place_address": place.get("address"),
        }
    return out
