"""The entry point ``stadtkern.modules: charging``: everything the module contributes, frozen."""

from __future__ import annotations

from pathlib import Path

from core.api import ModuleSpec, PushTopic, ScheduledJob
from schemas import LocalizedText
from stadtkern_charging.controllers.devices import route_handlers as device_routes
from stadtkern_charging.controllers.ngsi import route_handlers as ngsi_routes
from stadtkern_charging.controllers.receiver import route_handlers as receiver_routes
from stadtkern_charging.controllers.resident import route_handlers as resident_routes
from stadtkern_charging.controllers.sender import route_handlers as sender_routes
from stadtkern_charging.jobs import poll_sources, simulate_status, watch_free
from stadtkern_charging.models import (
    Connector,
    Evse,
    Favourite,
    ImportRun,
    Location,
    OutageAlert,
    Partner,
    StatusChange,
    Watch,
)
from stadtkern_charging.privacy import device_data
from stadtkern_charging.seed import seed

# Registers the version bump on every write to the city's charge points (the residents' list relies on it).
from stadtkern_charging.services import versions  # noqa: F401
from stadtkern_charging.services.outages import TOPIC_OUTAGES
from stadtkern_charging.services.watches import TOPIC_FREE
from stadtkern_charging.settings import ChargingSettings
from stadtkern_charging.staff.partners import route_handlers as partner_routes
from stadtkern_charging.staff.sources import route_handlers as source_routes

spec = ModuleSpec(
    id="charging",
    title=LocalizedText(de="Laden", en="Charging"),
    route_handlers=[
        *resident_routes,
        *device_routes,
        *sender_routes,
        *ngsi_routes,
        *receiver_routes,
        *partner_routes,
        *source_routes,
    ],
    settings=ChargingSettings,
    models=(Location, Evse, Connector, StatusChange, ImportRun, Partner, Favourite, Watch, OutageAlert),
    migrations=Path(__file__).parent / "migrations",
    # Each source has its own interval (Source.every_seconds); the job looks every minute which are due.
    seed=seed,
    jobs=(
        ScheduledJob(id="sources", run=poll_sources, every_seconds=60, jitter=10),
        ScheduledJob(id="demo_status", run=simulate_status, every_seconds=60, jitter=5),
        ScheduledJob(id="watches", run=watch_free, every_seconds=30, jitter=3),
    ),
    push_topics=(
        PushTopic(
            id=TOPIC_FREE,
            title=LocalizedText(de="Ladepunkt frei", en="Charger free"),
            default_on=True,
        ),
        PushTopic(
            id=TOPIC_OUTAGES,
            title=LocalizedText(de="Störungen städtischer Ladepunkte", en="Outages of the city's chargers"),
            default_on=False,
        ),
    ),
    device_data=device_data,
)
