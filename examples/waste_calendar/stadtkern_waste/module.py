"""The entry point ``stadtkern.modules: waste``: everything the module contributes, frozen."""

from __future__ import annotations

from pathlib import Path

from core.api import ModuleSpec, ScheduledJob
from schemas import LocalizedText
from stadtkern_waste.controllers import route_handlers as resident_routes
from stadtkern_waste.jobs import forget_past_pickups
from stadtkern_waste.models import Pickup
from stadtkern_waste.seed import seed
from stadtkern_waste.settings import WasteSettings
from stadtkern_waste.staff import route_handlers as staff_routes

spec = ModuleSpec(
    id="waste",
    title=LocalizedText(de="Abfallkalender", en="Waste calendar"),
    route_handlers=[*resident_routes, *staff_routes],
    settings=WasteSettings,
    models=(Pickup,),
    migrations=Path(__file__).parent / "migrations",
    # In the city's time zone: a quiet hour, once a day.
    jobs=(ScheduledJob(id="forget_past_pickups", run=forget_past_pickups, cron="40 3 * * *"),),
    seed=seed,
)
