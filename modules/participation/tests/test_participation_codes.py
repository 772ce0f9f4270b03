"""Participation codes: a city prints single-use codes on letters to a random sample of residents;
a survey with ``eligibility = "code"`` takes one answer per code, redeemed once (the database
decides), and nothing that is written when a code is redeemed can be tied to the answer."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from support_participation import BASE, EDITOR, answers, create_survey

from core.testing import register_device, staff_headers

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


async def _dump(session: AsyncSession, postgres: bool) -> list[Any]:
    """The code table as an attacker with the database sees it (on PostgreSQL with xmin and ctid)."""
    extra = ", xmin::text, ctid::text" if postgres else ""
    rows = await session.execute(text(f"SELECT *{extra} FROM participation_code ORDER BY id"))  # noqa: S608
    return [tuple(r) for r in rows]


async def test_codes_are_single_use_and_unlinkable(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    device_survey = await create_survey(client, staff)
    refused = await client.post(f"{BASE}/surveys/{device_survey}/codes", json={"count": 3}, headers=staff)
    assert refused.status_code == 409  # codes only for surveys with eligibility "code"

    survey_id = await create_survey(client, staff, eligibility="code")
    assert (await client.get(f"{BASE}/surveys/{survey_id}")).json()["eligibility"] == "code"
    issued = await client.post(f"{BASE}/surveys/{survey_id}/codes", json={"count": 4}, headers=staff)
    assert issued.status_code == 200, issued.text
    codes = issued.json()["codes"]
    assert len(set(codes)) == 4 and all(CODE.match(c) for c in codes)
    assert (await client.post(f"{BASE}/surveys/{survey_id}/codes", json={"count": 1})).status_code == 401

    async with sessions() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        stored = await _dump(session, postgres)
        await session.commit()
    assert len(stored) == 4
    flat = " ".join(str(v) for row in stored for v in row).upper()
    assert not any(c.replace("-", "") in flat.replace("-", "") for c in codes)  # shown once, stored hashed

    url = f"{BASE}/surveys/{survey_id}/responses"
    _, phone = await register_device(client)
    missing = await client.post(url, json={"answers": answers()}, headers=phone)
    assert missing.status_code == 422 and "body.code" in missing.text
    wrong = await client.post(url, json={"answers": answers(), "code": "AAAA-AAAA-AAAA"}, headers=phone)
    assert wrong.status_code == 422 and "body.code" in wrong.text
    # typed from the letter: lower case, without dashes, O for 0 and I/L for 1 all count
    typed = codes[0].replace("-", " ").lower().replace("0", "o").replace("1", "l")
    assert (await client.post(url, json={"answers": answers(), "code": typed}, headers=phone)).status_code == 200
    _, other = await register_device(client)
    again = await client.post(url, json={"answers": answers(), "code": codes[0]}, headers=other)
    assert again.status_code == 409 and "used" in again.text
    # two letters, one phone (a household): each code answers once
    assert (await client.post(url, json={"answers": answers(), "code": codes[1]}, headers=phone)).status_code == 200
    # the same code sent several times at once: exactly one counts
    racers = [(await register_device(client))[1] for _ in range(4)]
    racing = await asyncio.gather(
        *(client.post(url, json={"answers": answers(), "code": codes[2]}, headers=h) for h in racers)
    )
    assert sorted(r.status_code for r in racing) == [200, 409, 409, 409]

    async with sessions() as session:
        # redeeming wrote nothing into the code table (not a flag, not a new row version): nothing
        # there carries the answering transaction or a position in time
        assert await _dump(session, postgres) == stored
        assert await session.scalar(text("SELECT count(*) FROM participation_response")) == 3
        await session.commit()
    # the device's export knows nothing of code answers
    assert (await client.get(f"{BASE}/me", headers=phone)).json()["answered_surveys"] == []

    closed = await client.post(f"{BASE}/surveys/{survey_id}/status", json={"status": "closed"}, headers=staff)
    assert closed.status_code == 200
    async with sessions() as session:  # no more answers: codes and markers have done their job
        assert await session.scalar(text("SELECT count(*) FROM participation_code")) == 0
        assert await session.scalar(text("SELECT count(*) FROM participation_marker")) == 0
