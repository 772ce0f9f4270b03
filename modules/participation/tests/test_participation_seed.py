"""The embedded default's demo data: a published, open survey for Dortmund that answers validate."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.seed import seed_all
from core.testing import make_settings, register_device


async def test_demo_survey_can_be_answered(database: str, client: AsyncTestClient[Litestar]) -> None:
    await seed_all(make_settings(database))
    surveys = (await client.get("/v1/dortmund/participation/surveys")).json()["items"]
    assert len(surveys) == 1 and surveys[0]["open_now"] is True
    survey_id = surveys[0]["id"]
    _, device = await register_device(client)
    body = {
        "answers": {
            "use": "weekly",
            "wishes": ["trees", "light"],
            "rating": 4,
            "priority": ["green", "safety"],
            "visited": True,
            "walk_feedback": "Gut organisiert",
        }
    }
    response = await client.post(f"/v1/dortmund/participation/surveys/{survey_id}/responses", json=body, headers=device)
    assert response.status_code == 200, response.text
    results = (await client.get(f"/v1/dortmund/participation/surveys/{survey_id}/results")).json()
    assert results["withheld"] is True  # one answer: below results_min_responses
    assert (await client.get("/v1/schwerte/participation/surveys")).json()["items"] == []
