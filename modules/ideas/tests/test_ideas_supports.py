"""Supports: one per device, kept by the database; counted; not linkable to the device."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from stadtkern_ideas.models import Support
from support_ideas import BASE, MODERATOR, Client, Sessions, public_idea, submit

from core.testing import register_device, staff_headers


async def test_one_support_per_device_and_withdrawal(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, author = await register_device(client)
    idea_id = await public_idea(client, author, moderator)
    _, device = await register_device(client)
    url = f"{BASE}/ideas/{idea_id}/support"

    first = await client.post(url, headers=device)
    assert first.status_code == 200 and first.json() == {"supporters": 1, "supported_by_me": True}
    second = await client.post(url, headers=device)
    assert second.status_code == 409, second.text
    assert (await client.get(f"{BASE}/ideas/{idea_id}", headers=device)).json()["supported_by_me"] is True
    assert (await client.get(f"{BASE}/ideas/{idea_id}")).json()["idea"]["supporters"] == 1

    withdrawn = await client.delete(url, headers=device)
    assert withdrawn.status_code == 200 and withdrawn.json() == {"supporters": 0, "supported_by_me": False}
    assert (await client.delete(url, headers=device)).status_code == 404
    assert (await client.post(url, headers=device)).json()["supporters"] == 1  # may support again
    assert (await client.post(url)).status_code == 401

    # only public ideas of the device's own city
    pending = await submit(client, author)
    assert (await client.post(f"{BASE}/ideas/{pending}/support", headers=device)).status_code == 404
    assert (await client.post(f"{BASE}/ideas/{uuid.uuid4()}/support", headers=device)).status_code == 404
    _, schwerte = await register_device(client, "schwerte")
    assert (await client.post(url, headers=schwerte)).status_code == 403
    assert (await client.post(f"/v1/schwerte/ideas/ideas/{idea_id}/support", headers=schwerte)).status_code == 404


async def test_simultaneous_supports_of_one_device_count_once(client: Client, sessions: Sessions) -> None:
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, author = await register_device(client)
    idea_id = await public_idea(client, author, moderator)
    _, device = await register_device(client)
    answers = await asyncio.gather(*[client.post(f"{BASE}/ideas/{idea_id}/support", headers=device) for _ in range(4)])
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert (await client.get(f"{BASE}/ideas/{idea_id}")).json()["idea"]["supporters"] == 1


async def test_a_support_row_names_no_device(client: Client, sessions: Sessions) -> None:
    """Neither the device id nor anything repeated across ideas is stored; the marker is unique per idea."""
    moderator = await staff_headers(client, sessions, grants=MODERATOR)
    _, author = await register_device(client)
    ideas = [await public_idea(client, author, moderator) for _ in range(2)]
    device_id, device = await register_device(client)
    for idea_id in ideas:
        assert (await client.post(f"{BASE}/ideas/{idea_id}/support", headers=device)).status_code == 200
    async with sessions() as session:
        rows = (await session.execute(text("SELECT * FROM ideas_support"))).mappings().all()
        assert await session.scalar(select(func.count()).select_from(Support)) == 2
    assert set(rows[0]) == {"id", "idea_id", "marker", "sealed", "sa_orm_sentinel"}
    dumped = repr([dict(r) for r in rows]).lower()
    device_hex = uuid.UUID(device_id).hex
    assert device_hex not in dumped.replace("-", "") and device_id not in dumped
    assert rows[0]["marker"] != rows[1]["marker"] and rows[0]["sealed"] != rows[1]["sealed"]
    ids = [uuid.UUID(bytes=r["id"]) if isinstance(r["id"], bytes) else uuid.UUID(str(r["id"])) for r in rows]
    assert all(i.version == 4 for i in ids)  # random, not time-ordered

    # the database itself refuses a second row with an idea's marker, whoever writes it
    first = uuid.UUID(ideas[0])
    async with sessions() as session:
        session.add(Support(id=uuid.uuid4(), idea_id=first, marker="a" * 64, sealed="x"))
        await session.commit()
        session.add(Support(id=uuid.uuid4(), idea_id=first, marker="a" * 64, sealed="y"))
        with pytest.raises(IntegrityError):
            await session.commit()
