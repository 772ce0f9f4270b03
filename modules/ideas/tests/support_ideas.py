"""Shared bits of the Ideenpool tests: a submitted idea, a moderated one, the outbox."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from push.models import PushOutbox

BASE = "/v1/dortmund/ideas"
MODERATOR = {"ideas": "moderator"}
EDITOR = {"ideas": "editor"}
Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


def idea_body(**overrides: Any) -> dict[str, Any]:
    """A valid submission for Dortmund."""
    body: dict[str, Any] = {
        "title": "Mehr Bäume an der Hohen Straße",
        "description": "Die Hohe Straße ist im Sommer sehr heiß; Straßenbäume würden Schatten spenden.",
        "topic": "climate",
        "district": "Innenstadt-West",
    }
    return {**body, **overrides}


async def submit(client: Client, device: dict[str, str], **overrides: Any) -> str:
    """Submit an idea as ``device``; its id."""
    response = await client.post(f"{BASE}/ideas", json=idea_body(**overrides), headers=device)
    assert response.status_code == 201, response.text
    return str(response.json()["idea"]["id"])


async def accept(client: Client, moderator: dict[str, str], idea_id: str) -> dict[str, Any]:
    """Accept a pending idea into the pool."""
    response = await client.post(f"{BASE}/ideas/{idea_id}/decision", json={"decision": "accept"}, headers=moderator)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def public_idea(client: Client, device: dict[str, str], moderator: dict[str, str], **overrides: Any) -> str:
    """An idea submitted by ``device`` and accepted."""
    idea_id = await submit(client, device, **overrides)
    await accept(client, moderator, idea_id)
    return idea_id


async def outbox(sessions: Sessions, topic: str = "ideas.status") -> list[PushOutbox]:
    """The pushes written for ``topic``, oldest first."""
    async with sessions() as session:
        stmt = select(PushOutbox).where(PushOutbox.topic == topic).order_by(PushOutbox.id)
        return list(await session.scalars(stmt))
