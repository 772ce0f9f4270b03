"""The entry point ``stadtkern.modules: projektor``: everything the module contributes, frozen."""

from __future__ import annotations

from pathlib import Path

from core.api import ModuleSpec, PushTopic
from schemas import LocalizedText
from stadtkern_projektor.controllers import route_handlers as resident_routes
from stadtkern_projektor.jobs import JOBS
from stadtkern_projektor.models import MODELS
from stadtkern_projektor.privacy import device_data
from stadtkern_projektor.seed import seed
from stadtkern_projektor.services.notices import TOPIC_BOOKINGS
from stadtkern_projektor.settings import ProjektorSettings
from stadtkern_projektor.staff import route_handlers as staff_routes

spec = ModuleSpec(
    id="projektor",
    title=LocalizedText(de="PROJEKTOR: Räume und Workshops", en="PROJEKTOR: rooms and workshops"),
    route_handlers=[*resident_routes, *staff_routes],
    settings=ProjektorSettings,
    models=MODELS,
    migrations=Path(__file__).parent / "migrations",
    push_topics=(
        PushTopic(
            id=TOPIC_BOOKINGS,
            title=LocalizedText(de="Meine Buchungen im PROJEKTOR", en="My PROJEKTOR bookings"),
            default_on=True,
        ),
    ),
    jobs=JOBS,
    seed=seed,
    device_data=device_data,
)
