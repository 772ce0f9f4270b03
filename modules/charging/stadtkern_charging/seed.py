"""Demo data: public charge points of Dortmund and Schwerte in the register's CSV shape, with live status.

The files in ``seed_data/`` are illustrative entries at public places of both cities, written in
the Bundesnetzagentur export format (so that they take the real importer's path); they are not
records of the register. The embedded default moves their status every minute (``simulate_status``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.api import SeedContext
from stadtkern_charging.imports.bnetza import Row, read_rows, to_record
from stadtkern_charging.services.simulator import DEMO_SOURCE, initial_status
from stadtkern_charging.services.status import set_status
from stadtkern_charging.services.store import write_location
from stadtkern_charging.settings import ChargingSettings

SEED_DATA = Path(__file__).parent / "seed_data"


def demo_file(city: str) -> Path:
    """Schwerte's file for Schwerte, Dortmund's for every other city."""
    return SEED_DATA / ("demo_schwerte.csv" if city == "schwerte" else "demo_dortmund.csv")


async def seed(ctx: SeedContext[ChargingSettings]) -> None:
    """Import the city's demo chargers and give each EVSE a first live status."""
    updated = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    index = 0
    with demo_file(ctx.tenant.slug).open(encoding="utf-8-sig", newline="") as lines:
        for item in read_rows(lines):
            if not isinstance(item, Row):
                continue
            record = to_record(item, updated, ctx.tenant.time_zone.key)
            row = await write_location(ctx.session, DEMO_SOURCE, record)
            for evse in row.evses:
                set_status(ctx.session, evse, initial_status(index), source=DEMO_SOURCE)
                index += 1
