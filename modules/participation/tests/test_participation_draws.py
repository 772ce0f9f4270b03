"""Draws that cannot be repeated until they suit: one draw per offer (the database says so), a seed
the server picks and commits to (SHA-256 published) before the pool is frozen, revealed with the
result, and every attempt — refused ones too — in the published audit."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_participation.models import Draw, PoolMember
from stadtkern_participation.sortition import Candidate, Quota, run_draw
from support_participation import BASE, EDITOR, offer_body, pool_member

from core.testing import staff_headers

DRAW = {"size": 3, "strata_by": ["district"], "quotas": [{"attribute": "district", "value": "Brackel", "min": 1}]}


async def _pool(sessions: async_sessionmaker[AsyncSession], count: int = 9) -> None:
    now = dt.datetime.now(dt.UTC)
    async with sessions() as session, session.begin():
        for index in range(count):
            session.add(pool_member(index, ["Hörde", "Brackel", "Hörde"][index % 3], "30-44", now))


def _attempts(draw: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["action"], a["outcome"]) for a in draw["attempts"]]


async def test_one_draw_per_offer_with_a_committed_seed(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _pool(sessions)
    staff = await staff_headers(client, sessions, grants=EDITOR)
    offer_id = (await client.post(f"{BASE}/offers", json=offer_body(), headers=staff)).json()["id"]
    url = f"{BASE}/offers/{offer_id}/draws"

    chosen = await client.post(url, json={**DRAW, "seed": "one that suits me"}, headers=staff)
    assert chosen.status_code == 422 and "seed" in chosen.text  # staff cannot choose the seed

    committed = await client.post(url, json=DRAW, headers=staff)
    assert committed.status_code == 201, committed.text
    draw = committed.json()
    assert draw["status"] == "committed" and draw["seed"] is None and draw["candidates"] == []
    commitment = draw["seed_commitment"]
    assert len(commitment) == 64
    public = (await client.get(f"{BASE}/draws/{draw['id']}")).json()
    assert public["seed"] is None and public["seed_commitment"] == commitment  # published before the freeze

    again = await client.post(url, json=DRAW, headers=staff)
    assert again.status_code == 409, again.text  # a second draw for the offer

    ran = await client.post(f"{BASE}/draws/{draw['id']}/run", headers=staff)
    assert ran.status_code == 200, ran.text
    result = ran.json()
    assert result["status"] == "drawn" and len(result["selected"]) == 3
    assert hashlib.sha256(result["seed"].encode()).hexdigest() == commitment  # the seed committed to
    committed_at, drawn = result["log"][0], result["log"][1]
    assert committed_at["event"] == "committed" and drawn["event"] == "drawn"
    assert committed_at["at"] <= drawn["pool_frozen_at"]
    replay = run_draw(
        [Candidate(**c) for c in result["candidates"]], [Quota(**q) for q in result["quotas"]], 3, result["seed"]
    )
    assert sorted(replay.selected) == sorted(result["selected"])

    assert (await client.post(f"{BASE}/draws/{draw['id']}/run", headers=staff)).status_code == 409
    assert (await client.post(url, json=DRAW, headers=staff)).status_code == 409
    audit = (await client.get(f"{BASE}/draws/{draw['id']}")).json()
    assert _attempts(audit) == [
        ("commit", "accepted"),
        ("commit", "refused"),
        ("run", "accepted"),
        ("run", "refused"),
        ("commit", "refused"),
    ]
    assert all(a["detail"] for a in audit["attempts"] if a["outcome"] == "refused")

    # the database refuses a second draw of the offer whatever the code does
    async with sessions() as session:
        session.add(
            Draw(
                tenant_id="dortmund",
                offer_id=result["offer_id"],
                size=1,
                seed="x",
                algorithm="x",
                strata_by=[],
                quotas=[],
                candidates=[],
                allocation={},
                selected=[],
                probabilities={},
                created_by="",
            )
        )
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_infeasible_draws_are_refused_and_logged(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Quotas the pool cannot meet: refused at the commit, or at the run when the pool shrank since
    (then the draw stays committed, its seed hidden); every refusal is in the audit."""
    await _pool(sessions, 4)  # Hörde, Brackel, Hörde, Hörde
    staff = await staff_headers(client, sessions, grants=EDITOR)
    offer_id = (await client.post(f"{BASE}/offers", json=offer_body(), headers=staff)).json()["id"]
    url = f"{BASE}/offers/{offer_id}/draws"
    bad_quota = {**DRAW, "quotas": [{"attribute": "age_band", "value": "75+", "min": 1}]}
    refused = await client.post(url, json=bad_quota, headers=staff)
    assert refused.status_code == 422 and "body.quotas[0].attribute" in refused.text
    two = {**DRAW, "quotas": [{"attribute": "district", "value": "Brackel", "min": 2}]}
    infeasible = await client.post(url, json=two, headers=staff)
    assert infeasible.status_code == 422 and "body.quotas[0]" in infeasible.text, infeasible.text
    draw = (await client.post(url, json=DRAW, headers=staff)).json()
    async with sessions() as session, session.begin():  # the Brackel member's consent ends
        member = await session.scalar(select(PoolMember).where(PoolMember.district == "Brackel"))
        assert member is not None
        member.consent_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    shrunk = await client.post(f"{BASE}/draws/{draw['id']}/run", headers=staff)
    assert shrunk.status_code == 422 and "draw.quotas[0]" in shrunk.text and "district=Brackel" in shrunk.text
    audit = (await client.get(f"{BASE}/draws/{draw['id']}")).json()
    assert audit["status"] == "committed" and audit["seed"] is None  # nothing revealed
    assert _attempts(audit) == [
        ("commit", "refused"),
        ("commit", "refused"),
        ("commit", "accepted"),
        ("run", "refused"),
    ]
    assert "district=Brackel" in audit["attempts"][1]["detail"]
