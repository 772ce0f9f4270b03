"""Demo data for the embedded default: Dortmund's and Schwerte's real car parks (see demo/PROVENANCE.md).

Each city gets its own list (``demo/<city>.json``; other cities Dortmund's), a first live state and
the last day's history from the simulated feed, so the map and the detail curve are never empty.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from core.api import SeedContext, utcnow
from stadtkern_parking.ingest import upsert_facilities
from stadtkern_parking.records import Report, StaticRecord
from stadtkern_parking.settings import ParkingSettings
from stadtkern_parking.simulate import DEMO_SOURCE, simulate_tick

DEMO = Path(__file__).parent / "demo"
HISTORY_STEP = dt.timedelta(minutes=15)


def demo_facilities(city: str) -> list[dict[str, Any]]:
    """The city's demo car parks as published (Dortmund's list for a city without its own)."""
    path = DEMO / f"{city}.json"
    if not path.exists():
        path = DEMO / "dortmund.json"
    facilities: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["facilities"]
    return facilities


def _record(entry: dict[str, Any]) -> StaticRecord:
    fields = {k: v for k, v in entry.items() if k not in ("source_id", "capacity_estimated")}
    fields.setdefault("opening_hours", "24/7")
    warnings = ["capacity_estimated: not published, set for the demo"] if entry.get("capacity_estimated") else []
    return StaticRecord(source_id=entry["source_id"], fields=fields, raw=dict(entry), warnings=warnings)


async def seed(ctx: SeedContext[ParkingSettings]) -> None:
    """The city's car parks, then a day of simulated samples every 15 minutes up to now."""
    records = [_record(e) for e in demo_facilities(ctx.tenant.slug)]
    await upsert_facilities(ctx.session, DEMO_SOURCE, records, Report(), {})
    rng = random.Random(ctx.tenant.slug)
    now = utcnow().replace(second=0, microsecond=0)
    when = now - dt.timedelta(days=1)
    while when <= now:
        await simulate_tick(ctx.session, ctx.tenant.time_zone, when, rng)
        when += HISTORY_STEP
    await ctx.session.flush()
