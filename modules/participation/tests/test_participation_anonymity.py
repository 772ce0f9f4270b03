"""One response per device (across API processes) and the unlinkability of answers: columns, ids,
storage order, PostgreSQL transaction ids."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import random
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_participation.anonymity import reorder_anonymous
from stadtkern_participation.models import Marker
from support_participation import BASE, EDITOR, answers, create_survey, reorder_ctx

from core.api import ModuleKeys
from core.testing import TEST_SECRET_KEY, register_device, staff_headers


async def test_one_response_per_device_and_unlinkable(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff)
    url = f"{BASE}/surveys/{survey_id}/responses"
    devices = [await register_device(client) for _ in range(3)]
    for _, headers in devices:
        response = await client.post(url, json={"answers": answers()}, headers=headers)
        assert response.status_code == 200, response.text
    again = await client.post(url, json={"answers": answers(q1="b")}, headers=devices[0][1])
    assert again.status_code == 409
    # another survey: the same device may answer it
    other = await create_survey(client, staff)
    assert (
        await client.post(f"{BASE}/surveys/{other}/responses", json={"answers": answers()}, headers=devices[0][1])
    ).status_code == 200

    device_ids = {uuid.UUID(d) for d, _ in devices}
    needles = {str(d) for d in device_ids} | {d.hex for d in device_ids}
    async with sessions() as session:

        def columns(sync: Any, table: str) -> dict[str, Any]:
            return {c["name"]: c["type"] for c in inspect(sync).get_columns(table)}

        conn = await session.connection()
        response_cols = await conn.run_sync(columns, "participation_response")
        marker_cols = await conn.run_sync(columns, "participation_marker")
        # the answers table: no device, account, address or time-of-day column
        assert set(response_cols) == {"id", "sa_orm_sentinel", "tenant_id", "survey_id", "submitted_on", "answers"}
        assert "DATE" in str(response_cols["submitted_on"]).upper()
        # the marker table holds no response id and no time at all
        assert set(marker_cols) == {"id", "sa_orm_sentinel", "survey_id", "marker"}

        responses = (await session.execute(text("SELECT * FROM participation_response"))).mappings().all()
        markers = (await session.execute(text("SELECT * FROM participation_marker"))).mappings().all()
        assert len(responses) == 4 and len(markers) == 4
        marker_values = {str(m["marker"]) for m in markers}
        marker_ids = {str(m["id"]) for m in markers}
        for row in responses:
            dumped = " ".join(str(v) for v in row.values()).lower()
            for needle in needles | marker_values | marker_ids:
                assert needle.lower() not in dumped
            rid = uuid.UUID(bytes=row["id"]) if isinstance(row["id"], bytes) else uuid.UUID(str(row["id"]))
            assert rid.version == 4  # random, not time-ordered like UUIDv7
            assert isinstance(row["submitted_on"], (dt.date, str))
            assert len(str(row["submitted_on"])) == 10  # a day, nothing finer
        for m in markers:
            dumped = " ".join(str(v) for v in m.values()).lower()
            assert not any(n.lower() in dumped for n in needles)
        # marker ids and response ids share nothing
        response_ids = {str(r["id"]) for r in responses}
        assert not (response_ids & marker_ids)


async def test_one_response_per_device_across_api_processes(
    app_factory: Callable[..., Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Two API processes behind a load balancer (two apps over one database, one deployment secret):
    a device that answered through one is refused by the other, whichever comes first."""
    async with AsyncTestClient(app=app_factory()) as one, AsyncTestClient(app=app_factory()) as two:
        staff = await staff_headers(one, sessions, grants=EDITOR)
        survey_id = await create_survey(one, staff)
        url = f"{BASE}/surveys/{survey_id}/responses"
        first_id, first = await register_device(one)
        second_id, second = await register_device(two)
        assert (await one.post(url, json={"answers": answers()}, headers=first)).status_code == 200
        again = await two.post(url, json={"answers": answers(q1="b")}, headers=first)
        assert again.status_code == 409, again.text
        assert again.headers["content-type"].startswith("application/problem+json")
        assert "already answered" in again.json()["detail"]
        assert (await two.post(url, json={"answers": answers()}, headers=second)).status_code == 200
        assert (await one.post(url, json={"answers": answers()}, headers=second)).status_code == 409
        # the device's export (recomputing the marker) works through either process
        for client in (one, two):
            assert (await client.get(f"{BASE}/me", headers=first)).json()["answered_surveys"] == [survey_id]
        # a device sending its answer several times at once, to both processes: exactly one counts
        _, racer = await register_device(one)
        racing = await asyncio.gather(
            *(client.post(url, json={"answers": answers()}, headers=racer) for client in (one, two, one, two, one, two))
        )
        assert sorted(r.status_code for r in racing) == [200, 409, 409, 409, 409, 409]

    # The marker is keyed with the key the core derives from STADTKERN_SECRET_KEY for this module, so
    # every process of the deployment (and a restarted one) computes the same value.
    key = ModuleKeys("participation", TEST_SECRET_KEY).derive("marker")
    expected = {
        hmac.new(key, uuid.UUID(survey_id).bytes + uuid.UUID(device).bytes, hashlib.sha256).hexdigest()
        for device in (first_id, second_id)
    }
    async with sessions() as session:
        assert expected <= set(await session.scalars(select(Marker.marker)))
        assert await session.scalar(text("SELECT count(*) FROM participation_marker")) == 3
        assert await session.scalar(text("SELECT count(*) FROM participation_response")) == 3


def _rank_correlation(sequence: list[int]) -> float:
    """Spearman's rho between positions and values of a permutation of 0..n-1."""
    n = len(sequence)
    return 1 - 6 * sum((position - value) ** 2 for position, value in enumerate(sequence)) / (n * (n * n - 1))


def _turn_of_answer(answers_value: Any) -> int:
    stored = json.loads(answers_value) if isinstance(answers_value, str) else answers_value
    return int(stored["q6"].split()[1])


def _as_uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(bytes=value) if isinstance(value, bytes) else uuid.UUID(str(value))


class _Storage:
    """The three anonymous tables read as from a dump: in physical order, or joined on ``xmin``."""

    def __init__(
        self, session: AsyncSession, turn_of_marker: dict[str, int], turn_of_device: dict[uuid.UUID, int]
    ) -> None:
        self.session = session
        self.turn_of_marker = turn_of_marker
        self.turn_of_device = turn_of_device
        self.postgres = session.get_bind().dialect.name == "postgresql"
        # physical order: PostgreSQL heap order (ctid); SQLite table b-tree order (a scan, no index)
        self.physical = "ORDER BY ctid" if self.postgres else "NOT INDEXED"

    def scan(self, column: str, table: str) -> Any:
        return text(f"SELECT {column} FROM {table} {self.physical}")  # noqa: S608 (fixed names)

    async def in_storage_order(self) -> tuple[list[int], list[int], list[int]]:
        responses = await self.session.execute(self.scan("answers", "participation_response"))
        markers = await self.session.execute(self.scan("marker", "participation_marker"))
        subscriptions = await self.session.execute(self.scan("device_id", "participation_result_subscription"))
        await self.session.commit()
        return (
            [_turn_of_answer(r[0]) for r in responses],
            [self.turn_of_marker[str(m[0])] for m in markers],
            [self.turn_of_device[_as_uuid(s[0])] for s in subscriptions],
        )

    async def linked_by_transaction(self) -> int:
        """Answers a subscribed device gave, found by joining on the inserting transaction."""
        rows = await self.session.execute(
            text(
                "SELECT s.device_id, r.answers FROM participation_result_subscription s "
                "JOIN participation_response r ON r.xmin::text = s.xmin::text"
            )
        )
        pairs = [(self.turn_of_device[_as_uuid(d)], _turn_of_answer(a)) for d, a in rows]
        await self.session.commit()
        unique = Counter(device for device, _ in pairs)
        return sum(1 for device, answer in pairs if device == answer and unique[device] == 1)


async def _answer_in_turns(
    client: AsyncTestClient[Litestar], survey_id: str, count: int
) -> tuple[dict[str, int], dict[uuid.UUID, int]]:
    """``count`` devices answer one after the other; which turn each marker and each device had."""
    url = f"{BASE}/surveys/{survey_id}/responses"
    devices = [(await register_device(client))[::-1] for _ in range(count)]
    random.Random(5).shuffle(devices)  # answering order != registration order (UUIDv7 device ids)
    for turn, (headers, _) in enumerate(devices):
        # the free text tells the test which turn an answer was given in
        body = {"answers": answers(q6=f"turn {turn:02d}"), "notify_results": True}
        assert (await client.post(url, json=body, headers=headers)).status_code == 200
    key = ModuleKeys("participation", TEST_SECRET_KEY).derive("marker")
    turn_of_marker = {
        hmac.new(key, uuid.UUID(survey_id).bytes + uuid.UUID(d).bytes, hashlib.sha256).hexdigest(): turn
        for turn, (_, d) in enumerate(devices)
    }
    return turn_of_marker, {uuid.UUID(d): turn for turn, (_, d) in enumerate(devices)}


async def _check_before_the_job(storage: _Storage) -> None:
    if storage.postgres:
        # the problem the job solves: straight after the submissions, storage lines everything up
        responses, markers, subscriptions = await storage.in_storage_order()
        assert responses == markers == subscriptions == list(range(40))
        assert await storage.linked_by_transaction() == 40
    else:
        session = storage.session
        sql = await session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'participation_response'"))
        assert "WITHOUT ROWID" in str(sql).upper()
        with pytest.raises(OperationalError, match="rowid"):
            await session.execute(text("SELECT rowid FROM participation_response"))
        await session.rollback()


async def _check_later_runs(
    storage: _Storage,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    survey_id: str,
    responses: list[int],
    by_id: list[int],
) -> None:
    """PostgreSQL: a run without new rows changes nothing; later answers are reordered by the next run."""
    session = storage.session
    url = f"{BASE}/surveys/{survey_id}/responses"
    assert responses == by_id  # clustered on the random key
    assert await storage.linked_by_transaction() == 0  # one transaction id for all of them
    # nothing new: the next run changes nothing
    xmins = await session.scalar(text("SELECT count(DISTINCT xmin::text) FROM participation_response"))
    assert xmins == 1
    await session.commit()
    await reorder_anonymous(reorder_ctx(sessions))
    assert (await storage.in_storage_order())[0] == responses
    # later answers are linked until the next run, which takes care of them too
    for turn in range(40, 45):
        device_id, headers = await register_device(client)
        body = {"answers": answers(q6=f"turn {turn:02d}"), "notify_results": True}
        assert (await client.post(url, json=body, headers=headers)).status_code == 200
        storage.turn_of_device[uuid.UUID(device_id)] = turn
    assert await storage.linked_by_transaction() == 5
    await reorder_anonymous(reorder_ctx(sessions))
    assert await storage.linked_by_transaction() == 0
    later = await session.execute(text("SELECT answers FROM participation_response ORDER BY ctid"))
    assert [_turn_of_answer(r[0]) for r in later][-5:] != list(range(40, 45))  # not appended at the end
    await session.commit()


async def test_storage_order_does_not_link_answers_to_devices(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """40 devices answer in a known order, each opting in to the results push. Read straight from the
    tables (as from a dump), the physical order of the answers is not the order in which the devices
    answered, and lining up answers with markers or result subscriptions by position (or, on
    PostgreSQL, by the inserting transaction's id) pairs them no better than chance."""
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff)
    turn_of_marker, turn_of_device = await _answer_in_turns(client, survey_id, 40)
    async with sessions() as session:
        storage = _Storage(session, turn_of_marker, turn_of_device)
        await _check_before_the_job(storage)

        await reorder_anonymous(reorder_ctx(sessions))

        responses, markers, subscriptions = await storage.in_storage_order()
        by_key = await session.execute(text("SELECT answers FROM participation_response ORDER BY id"))
        by_id = [_turn_of_answer(r[0]) for r in by_key]
        await session.commit()
        assert sorted(responses) == sorted(markers) == sorted(subscriptions) == list(range(40))
        for order in (responses, by_id):
            assert order != list(range(40))
            assert abs(_rank_correlation(order)) < 0.7, order  # |rho| >= 0.7 by chance: p < 1e-5
        for other in (markers, subscriptions):  # k-th answer vs k-th marker / subscription
            assert sum(1 for a, b in zip(responses, other, strict=True) if a == b) <= 8, (responses, other)
        if storage.postgres:
            await _check_later_runs(storage, client, sessions, survey_id, responses, by_id)
