"""The entry point ``stadtkern.modules: participation``: everything the module contributes, frozen."""

from __future__ import annotations

from pathlib import Path

from core.api import ModuleSpec, PushTopic
from schemas import LocalizedText
from stadtkern_participation.controllers import route_handlers as resident_routes
from stadtkern_participation.jobs import JOBS
from stadtkern_participation.models import MODELS
from stadtkern_participation.seed import seed
from stadtkern_participation.services.draws import TOPIC_INVITATIONS
from stadtkern_participation.services.offers import OFFER_DISCUSSIONS, TOPIC_OFFERS
from stadtkern_participation.services.privacy import device_data
from stadtkern_participation.services.surveys import TOPIC_RESULTS
from stadtkern_participation.settings import ParticipationSettings
from stadtkern_participation.staff import route_handlers as staff_routes

spec = ModuleSpec(
    id="participation",
    title=LocalizedText(de="Beteiligung", en="Participation"),
    route_handlers=[*resident_routes, *staff_routes],
    settings=ParticipationSettings,
    models=MODELS,
    migrations=Path(__file__).parent / "migrations",
    push_topics=(
        PushTopic(
            id=TOPIC_OFFERS,
            title=LocalizedText(de="Neue Beteiligungsangebote", en="New participation offers"),
            default_on=False,
        ),
        PushTopic(
            id=TOPIC_RESULTS,
            title=LocalizedText(de="Ergebnisse meiner Umfragen", en="Results of surveys I answered"),
            default_on=True,
        ),
        PushTopic(
            id=TOPIC_INVITATIONS,
            title=LocalizedText(de="Einladungen aus dem Mitmachpool", en="Invitations from the participation pool"),
            default_on=True,
        ),
    ),
    jobs=JOBS,
    discussion_subjects=(OFFER_DISCUSSIONS,),
    seed=seed,
    device_data=device_data,
)
