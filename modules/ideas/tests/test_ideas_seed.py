"""The embedded default's demo data: Dortmund's pool shows ideas in every status, once."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import func, select
from stadtkern_ideas.models import STATUSES, Idea
from support_ideas import BASE, MODERATOR, Client, Sessions

from core.seed import seed_all
from core.testing import make_settings, register_device, run_seed, staff_headers


async def test_demo_ideas_in_every_status_and_no_doubles(
    database: str, app: Litestar, client: Client, sessions: Sessions
) -> None:
    await run_seed(app, sessions, "ideas", "dortmund")
    await seed_all(make_settings(database))  # what a restart runs: the city has ideas, none are added
    listed = (await client.get(f"{BASE}/ideas?limit=50")).json()["items"]
    assert sorted(i["status"] for i in listed) == sorted(STATUSES)
    assert all(i["answer"] for i in listed if i["status"] != "received")
    ranked = (await client.get(f"{BASE}/ideas?sort=supported")).json()["items"]
    assert ranked[0]["title"] == "Sichere Radachse Hörde bis Phoenix-See" and ranked[0]["supporters"] == 31
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    for state in ("pending", "declined"):
        queue = (await client.get(f"{BASE}/moderation?moderation={state}", headers=moderator)).json()["items"]
        assert len(queue) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Idea).where(Idea.tenant_id == "dortmund")) == 7

    # a moderated thread: the hidden comment is out, the city's answer is marked; one comment waits
    garden = next(i["id"] for i in listed if i["status"] == "in_project")
    thread = (await client.get(f"{BASE}/ideas/{garden}/comments")).json()["items"]
    assert [(c["author"], c["official"]) for c in thread] == [
        ("Gartenfreundin", False),
        ("Nordstadtkind", False),
        ("Dortmund", True),
    ]
    log = (await client.get(f"{BASE}/ideas/{garden}/thread/log", headers=moderator)).json()
    assert [e["action"] for e in log] == ["mode_post", "hide"] and log[1]["reason"]
    waiting = (await client.get(f"{BASE}/comments/queue", headers=moderator)).json()["items"]
    assert [c["author"] for c in waiting] == ["Pendlerin"]

    # the seeded supports are real supports: a device adds one, the count moves by one
    _, device = await register_device(client)
    top = ranked[0]["id"]
    assert (await client.post(f"{BASE}/ideas/{top}/support", headers=device)).json()["supporters"] == 32
