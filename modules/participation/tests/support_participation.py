"""Shared bits for the participation tests."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_participation.models import PoolMember
from stadtkern_participation.settings import ParticipationSettings

from core.api import JobContext, ModuleKeys
from core.api.tenancy import sessions_for_city
from core.testing import TEST_SECRET_KEY, tenant_info

BASE = "/v1/dortmund/participation"
EDITOR = {"participation": "editor"}


def reorder_ctx(sessions: async_sessionmaker[AsyncSession]) -> JobContext[ParticipationSettings]:
    """The context the worker gives the anonymity-reorder job for Dortmund."""
    return JobContext(
        module_id="participation",
        job_id="anonymity-reorder",
        tenant=tenant_info("dortmund"),
        settings=ParticipationSettings(),
        session_factory=sessions_for_city(sessions, "dortmund"),
        push=None,  # type: ignore[arg-type]
        log=logging.getLogger("test"),
        keys=ModuleKeys("participation", TEST_SECRET_KEY),
    )


def pool_member(index: int, district: str, age_band: str, now: dt.datetime, **fields: Any) -> PoolMember:
    """A confirmed Dortmund pool member with 100 days of consent left."""
    return PoolMember(
        tenant_id="dortmund",
        email=f"m{index}@example.org",
        manage_token_hash="x",
        interests=[],
        confirmed_at=now,
        consent_expires_at=now + dt.timedelta(days=100),
        district=district,
        age_band=age_band,
        **fields,
    )


def offer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": {"de": "Radweg Hörde", "en": "Hörde cycle lane"},
        "summary": {"de": "Planung", "en": "Planning"},
        "format": "workshop",
        "topics": ["mobility"],
        "districts": ["Hörde"],
        "starts_at": "2030-05-01T16:00:00+02:00",
        "ends_at": "2030-05-01T19:00:00+02:00",
        "place": {"name": "Bürgerhaus", "location": {"lat": 51.48, "lon": 7.5}},
        "capacity": 40,
        "contact": "rad@dortmund.example",
        "accessibility": {"de": "barrierefrei"},
    }
    body.update(overrides)
    return body


def method_body(**overrides: Any) -> dict[str, Any]:
    """A method card as an editor sends it; ``None`` leaves a field out."""
    body: dict[str, Any] = {
        "name": {"de": "Bürgerrat", "en": "Citizens' assembly"},
        "summary": {"de": "Ausgeloste beraten die Stadt", "en": "People drawn by lot advise the city"},
        "when_to_use": {"de": "Bei umstrittenen Fragen", "en": "For contested questions"},
        "mode": "hybrid",
        "group_min": 20,
        "group_max": 160,
        "duration": "weeks",
        "effort": "high",
        "accessibility": ["step_free", "childcare"],
        "needs": {"de": "Moderation und Räume"},
        "steps": [
            {"de": "Frage klären", "en": "Agree the question"},
            {"de": "Losen", "en": "Draw"},
            {"de": "Beraten", "en": "Deliberate"},
        ],
        "templates": [{"title": {"de": "Einladung", "en": "Invitation"}, "url": "https://example.org/einladung.docx"}],
        "examples": [{"text": {"de": "Bürgerrat Klima 2021"}}],
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def t(de: str) -> dict[str, str]:
    return {"de": de, "en": de}


QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "q1",
        "kind": "single_choice",
        "text": t("Eins"),
        "options": [{"id": "a", "label": t("A")}, {"id": "b", "label": t("B")}, {"id": "c", "label": t("C")}],
    },
    {
        "id": "q2",
        "kind": "multiple_choice",
        "text": t("Mehr"),
        "min_choices": 1,
        "max_choices": 2,
        "options": [{"id": "x", "label": t("X")}, {"id": "y", "label": t("Y")}, {"id": "z", "label": t("Z")}],
    },
    {"id": "q3", "kind": "rating", "text": t("Note"), "scale": 5, "scale_labels": {"1": t("schlecht"), "5": t("gut")}},
    {
        "id": "q4",
        "kind": "ranking",
        "text": t("Rang"),
        "options": [{"id": "r1", "label": t("R1")}, {"id": "r2", "label": t("R2")}, {"id": "r3", "label": t("R3")}],
    },
    {"id": "q5", "kind": "yes_no", "text": t("Ja?")},
    {
        "id": "q6",
        "kind": "free_text",
        "text": t("Warum?"),
        "required": False,
        "max_length": 20,
        "show_if": {"question": "q5", "any_of": ["yes"]},
    },
]


def answers(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"q1": "a", "q2": ["x"], "q3": 4, "q4": ["r1", "r2", "r3"], "q5": True, "q6": "gut so"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


async def create_survey(
    client: AsyncTestClient[Litestar], staff: dict[str, str], publish: bool = True, **overrides: Any
) -> str:
    body: dict[str, Any] = {"title": t("Umfrage"), "questions": QUESTIONS, "results_visibility": "live"}
    body.update(overrides)
    response = await client.post(f"{BASE}/surveys", json=body, headers=staff)
    assert response.status_code == 201, response.text
    survey_id: str = response.json()["id"]
    if publish:
        published = await client.post(f"{BASE}/surveys/{survey_id}/status", json={"status": "published"}, headers=staff)
        assert published.status_code == 200, published.text
    return survey_id
