"""Demo data for the embedded default: a published survey (with its offer) to try the whole flow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.api import SeedContext, utcnow
from stadtkern_participation.lists import join_list
from stadtkern_participation.models import Offer, Survey
from stadtkern_participation.settings import ParticipationSettings


def _t(de: str, en: str) -> dict[str, str]:
    return {"de": de, "en": en}


DEMO_QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "use",
        "kind": "single_choice",
        "text": _t("Wie oft nutzen Sie den Park?", "How often do you use the park?"),
        "options": [
            {"id": "daily", "label": _t("Täglich", "Daily")},
            {"id": "weekly", "label": _t("Wöchentlich", "Weekly")},
            {"id": "rarely", "label": _t("Selten", "Rarely")},
        ],
    },
    {
        "id": "wishes",
        "kind": "multiple_choice",
        "text": _t("Was wünschen Sie sich?", "What would you like?"),
        "max_choices": 2,
        "options": [
            {"id": "benches", "label": _t("Mehr Bänke", "More benches")},
            {"id": "trees", "label": _t("Mehr Bäume", "More trees")},
            {"id": "playground", "label": _t("Spielplatz", "Playground")},
            {"id": "light", "label": _t("Beleuchtung", "Lighting")},
        ],
    },
    {
        "id": "rating",
        "kind": "rating",
        "text": _t("Wie zufrieden sind Sie heute?", "How satisfied are you today?"),
        "scale": 5,
        "scale_labels": {"1": _t("gar nicht", "not at all"), "5": _t("sehr", "very")},
    },
    {
        "id": "priority",
        "kind": "ranking",
        "text": _t("Ordnen Sie nach Wichtigkeit", "Rank by importance"),
        "required": False,
        "options": [
            {"id": "safety", "label": _t("Sicherheit", "Safety")},
            {"id": "green", "label": _t("Grün", "Greenery")},
            {"id": "play", "label": _t("Spielen", "Play")},
        ],
    },
    {"id": "visited", "kind": "yes_no", "text": _t("Waren Sie beim Ortstermin?", "Did you join the site walk?")},
    {
        "id": "walk_feedback",
        "kind": "free_text",
        "required": False,
        "max_length": 1000,
        "text": _t("Wie fanden Sie den Ortstermin?", "How was the site walk?"),
        "show_if": {"question": "visited", "any_of": ["yes"]},
    },
]


async def seed(ctx: SeedContext[ParticipationSettings]) -> None:
    """Dortmund only: a published offer with an open survey whose results show live."""
    if ctx.tenant.slug != "dortmund":
        return
    now = utcnow()
    districts = ctx.settings.districts[:1]
    offer = Offer(
        title=_t("Neugestaltung Westpark", "Redesigning Westpark"),
        summary=_t("Sagen Sie uns, was der Westpark braucht.", "Tell us what Westpark needs."),
        format="online_survey",
        topics=join_list(ctx.settings.topics[:1]),
        districts=join_list(districts),
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
        contact="beteiligung@dortmund.example",
        status="published",
        published_at=now,
    )
    ctx.session.add(offer)
    await ctx.session.flush()
    ctx.session.add(
        Survey(
            offer_id=offer.id,
            title=offer.title,
            questions=DEMO_QUESTIONS,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=30),
            districts=join_list(districts),
            eligible_districts=[],
            results_visibility="live",
            status="published",
        )
    )
    await ctx.session.flush()
