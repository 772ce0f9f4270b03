"""Demo data for the embedded default: ideas in every moderation state and every status.

The core seeds a city only while the module's tables hold none of its rows, so a restart doubles
nothing. Districts and topics are the city's own where it configured them (Dortmund's in the demo
manifest); supports come from made-up devices, sealed like real ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core.api import SeedContext, utcnow
from schemas import LocalizedText
from stadtkern_ideas.models import Idea, StatusChange, Support
from stadtkern_ideas.seed_dialogue import seed_dialogue
from stadtkern_ideas.settings import IdeasSettings
from stadtkern_ideas.tokens import marker_for, seal


@dataclass(frozen=True, slots=True)
class DemoIdea:
    title: str
    description: str
    topic: str
    district: str
    moderation: str
    steps: tuple[tuple[str, LocalizedText | None], ...] = ()
    supporters: int = 0
    language: str = "de"
    decline_reason: str | None = None


_REVIEW = LocalizedText(
    de="Das Tiefbauamt prüft den Vorschlag mit der Bezirksvertretung.",
    en="The civil engineering office is reviewing the proposal with the district council.",
)
DEMO: tuple[DemoIdea, ...] = (
    DemoIdea(
        "Trinkbrunnen am Friedensplatz",
        "Im Sommer fehlt in der City ein öffentlicher Trinkbrunnen. Am Friedensplatz wäre Platz dafür.",
        "climate",
        "Innenstadt-West",
        "accepted",
        supporters=14,
    ),
    DemoIdea(
        "Sichere Radachse Hörde bis Phoenix-See",
        "Ein durchgehender, baulich getrennter Radweg vom Hörder Bahnhof bis zum Phoenix-See.",
        "mobility",
        "Hörde",
        "accepted",
        steps=(("under_review", _REVIEW),),
        supporters=31,
    ),
    DemoIdea(
        "Urban Gardening im Nordmarkt-Park",
        "Hochbeete für Nachbarinnen und Nachbarn, betreut von einem Verein aus dem Viertel.",
        "parks",
        "Innenstadt-Nord",
        "accepted",
        steps=(
            ("under_review", _REVIEW),
            (
                "in_project",
                LocalizedText(
                    de="Die Idee fließt in das Projekt „Grüne Nordstadt“ ein; Start im Frühjahr.",
                    en="The idea is part of the 'Green Nordstadt' project, starting in spring.",
                ),
            ),
        ),
        supporters=22,
    ),
    DemoIdea(
        "Mehr Sitzbänke am Hoeschpark",
        "Entlang der Wege im Hoeschpark gibt es kaum Bänke für ältere Menschen.",
        "parks",
        "Innenstadt-Nord",
        "accepted",
        steps=(
            (
                "implemented",
                LocalizedText(
                    de="Zwölf neue Bänke stehen seit Oktober. Danke für den Hinweis!",
                    en="Twelve new benches have been in place since October. Thank you!",
                ),
            ),
        ),
        supporters=9,
    ),
    DemoIdea(
        "Seilbahn über den Hafen",
        "A cable car from the harbour to the Westfalenhallen would take cars off the roads.",
        "mobility",
        "Innenstadt-West",
        "accepted",
        language="en",
        steps=(
            (
                "not_pursued",
                LocalizedText(
                    de="Eine Machbarkeitsstudie von 2024 ergab zu hohe Kosten je Fahrgast.",
                    en="A 2024 feasibility study found the cost per passenger too high.",
                ),
            ),
        ),
        supporters=5,
    ),
    DemoIdea(
        "Jugendtreff in Brackel länger öffnen",
        "Der Jugendtreff sollte freitags bis 22 Uhr geöffnet sein.",
        "youth",
        "Brackel",
        "pending",
    ),
    DemoIdea(
        "Werbung für meinen Laden",
        "Kauft bei mir ein, beste Preise der Stadt!",
        "culture",
        "Hörde",
        "declined",
        decline_reason="Werbung ist im Ideenpool nicht erlaubt (Nutzungsregeln, Punkt 3).",
    ),
)


def _pick(options: list[str], wanted: str, index: int) -> str:
    return wanted if not options or wanted in options else options[index % len(options)]


def _row(ctx: SeedContext[IdeasSettings], demo: DemoIdea, index: int, now: dt.datetime) -> Idea:
    public = demo.moderation == "accepted"
    return Idea(
        id=uuid.uuid4(),
        title=demo.title,
        description=demo.description,
        language=demo.language,
        topic=_pick(ctx.settings.topics, demo.topic, index),
        district=_pick(ctx.settings.districts, demo.district, index),
        moderation=demo.moderation,
        decline_reason=demo.decline_reason,
        moderated_at=None if demo.moderation == "pending" else now,
        published_at=now - dt.timedelta(days=len(DEMO) - index) if public else None,
        status=demo.steps[-1][0] if demo.steps else "received",
        answer=dict(demo.steps[-1][1]) if demo.steps and demo.steps[-1][1] else None,
        supporters=demo.supporters,
    )


async def seed(ctx: SeedContext[IdeasSettings]) -> None:
    """Seven ideas (one per status, one pending, one declined with its reason) and two threads."""
    now = utcnow()
    ids: list[uuid.UUID] = []
    for index, demo in enumerate(DEMO):
        row = _row(ctx, demo, index, now)
        ctx.session.add(row)
        await ctx.session.flush()
        ids.append(row.id)
        if demo.moderation != "accepted":
            continue
        for status, answer in (("received", None), *demo.steps):
            ctx.session.add(
                StatusChange(idea_id=row.id, status=status, answer=None if answer is None else dict(answer))
            )
        for _ in range(demo.supporters):
            device = uuid.uuid4()
            ctx.session.add(
                Support(
                    id=uuid.uuid4(),
                    idea_id=row.id,
                    marker=marker_for(ctx.keys, row.id, device),
                    sealed=seal(ctx.keys, row.id, device),
                )
            )
    await seed_dialogue(ctx.session, garden=ids[2], cycle_lane=ids[1])
