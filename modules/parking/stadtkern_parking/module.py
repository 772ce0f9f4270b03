"""The entry point ``stadtkern.modules: parking``: everything the module contributes, frozen."""

from __future__ import annotations

from pathlib import Path

from core.api import ModuleSpec, PushTopic, ScheduledJob
from schemas import LocalizedText
from stadtkern_parking.alerts import TOPIC_CLOSURES, TOPIC_SPACE
from stadtkern_parking.controllers import route_handlers as resident_routes
from stadtkern_parking.export_routes import route_handlers as export_routes
from stadtkern_parking.jobs import run_history, run_poll, run_simulate
from stadtkern_parking.models import ALL_MODELS
from stadtkern_parking.privacy import device_data
from stadtkern_parking.residents import route_handlers as device_routes
from stadtkern_parking.seed import seed
from stadtkern_parking.settings import ParkingSettings
from stadtkern_parking.staff import route_handlers as staff_routes

spec = ModuleSpec(
    id="parking",
    title=LocalizedText(de="Parken", en="Parking"),
    route_handlers=[*resident_routes, *device_routes, *export_routes, *staff_routes],
    settings=ParkingSettings,
    models=ALL_MODELS,
    migrations=Path(__file__).parent / "migrations",
    jobs=(
        # Each source has its own interval; the job looks every minute which are due.
        ScheduledJob(id="poll", run=run_poll, every_seconds=60, jitter=5),
        ScheduledJob(id="simulate", run=run_simulate, every_seconds=60, jitter=5),
        # In the city's time zone, after midnight: yesterday is complete.
        ScheduledJob(id="history", run=run_history, cron="40 3 * * *", jitter=300),
    ),
    push_topics=(
        PushTopic(
            id=TOPIC_SPACE,
            title=LocalizedText(de="Freie Plätze (eigene Alarme)", en="Free spaces (your alerts)"),
            default_on=True,
        ),
        PushTopic(
            id=TOPIC_CLOSURES,
            title=LocalizedText(de="Schließung gemerkter Parkplätze", en="Saved car parks closing"),
            default_on=True,
        ),
    ),
    seed=seed,
    device_data=device_data,
)
