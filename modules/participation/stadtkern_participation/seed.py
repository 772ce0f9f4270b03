"""Demo data for the embedded default: a published survey (with its offer) to try the whole flow, a
past site walk, and the Instrumentenkoffer's twelve method cards (demo_methods.toml), two of them
used by those offers and naming them as best-practice examples."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import SeedContext, utcnow
from stadtkern_participation.lists import join_list
from stadtkern_participation.models import MethodCard, Offer, Survey
from stadtkern_participation.schemas.methods import MethodIn
from stadtkern_participation.services.methods import add_method
from stadtkern_participation.settings import ParticipationSettings

DEMO_METHODS = Path(__file__).parent / "demo_methods.toml"


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


async def seed_methods(session: AsyncSession, primary: str) -> dict[str, MethodCard]:
    """The demo cards, checked as editors' input is; returns the ones a demo offer uses, by ``link``."""
    linked: dict[str, MethodCard] = {}
    for entry in tomllib.loads(DEMO_METHODS.read_text(encoding="utf-8"))["methods"]:
        link = entry.pop("link", None)
        row = await add_method(session, msgspec.convert(entry, MethodIn), primary)
        if link:
            linked[link] = row
    return linked


def link_example(card: MethodCard, offer: Offer) -> None:
    """The card's first best-practice example is ``offer`` (and the offer uses the card)."""
    offer.method_id = card.id
    card.examples = [{**card.examples[0], "offer_id": str(offer.id)}, *card.examples[1:]]


def past_site_walk(ctx: SeedContext[ParticipationSettings], now: dt.datetime) -> Offer:
    """A site walk held last spring, its results published."""
    return Offer(
        title=_t("Ortsbegehung Radachse Hörde", "Site walk: Hörde cycle route"),
        summary=_t(
            "Gemeinsam unterwegs vom Hörder Bahnhof zum Phoenix-See: Wo ist es für Radfahrende gefährlich?",
            "Together from Hörde station to Phoenix-See: where is it dangerous for cyclists?",
        ),
        format="site_walk",
        topics=join_list(ctx.settings.topics[:1]),
        districts=join_list([d for d in ctx.settings.districts if d == "Hörde"] or ctx.settings.districts[:1]),
        starts_at=now - dt.timedelta(days=200),
        ends_at=now - dt.timedelta(days=200) + dt.timedelta(hours=2),
        place_name="Hörder Bahnhof",
        contact="beteiligung@dortmund.example",
        status="results_published",
        published_at=now - dt.timedelta(days=230),
    )


async def seed(ctx: SeedContext[ParticipationSettings]) -> None:
    """Dortmund only: a published offer with an open survey whose results show live, a past site walk,
    and the method cards."""
    if ctx.tenant.slug != "dortmund":
        return
    now = utcnow()
    cards = await seed_methods(ctx.session, ctx.tenant.locales[0])
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
    walk = past_site_walk(ctx, now)
    ctx.session.add_all([offer, walk])
    await ctx.session.flush()
    link_example(cards["westpark"], offer)
    link_example(cards["site_walk"], walk)
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
