"""The entry point ``stadtkern.modules: ideas``: everything the module contributes, frozen."""

from __future__ import annotations

from pathlib import Path

from core.api import ModuleSpec, PushTopic
from schemas import LocalizedText
from stadtkern_ideas.controllers import route_handlers as resident_routes
from stadtkern_ideas.jobs import JOBS
from stadtkern_ideas.models import MODELS
from stadtkern_ideas.seed import seed
from stadtkern_ideas.services.notify import TOPIC_STATUS
from stadtkern_ideas.services.privacy import device_data
from stadtkern_ideas.settings import IdeasSettings
from stadtkern_ideas.staff import route_handlers as staff_routes

spec = ModuleSpec(
    id="ideas",
    title=LocalizedText(de="Ideenpool", en="Ideas pool"),
    route_handlers=[*resident_routes, *staff_routes],
    settings=IdeasSettings,
    models=MODELS,
    migrations=Path(__file__).parent / "migrations",
    jobs=JOBS,
    push_topics=(
        PushTopic(
            id=TOPIC_STATUS,
            title=LocalizedText(
                de="Neues zu meinen und unterstützten Ideen", en="News on my ideas and ideas I support"
            ),
            default_on=False,
        ),
    ),
    seed=seed,
    device_data=device_data,
)
