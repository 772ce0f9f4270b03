"""The storage attacks on anonymity, run as an attacker with read access to the database would.

20 residents each register a device, answer the survey (opting in to the results push) and sign up
for the Mitmachpool, one after the other: the situation in which the embedded default's files tied
16 of 20 answers to their device (WAL commit order, cell order in the b-tree pages) and 20 of 20
with the deployment secret (the markers). The attacker knows every device, its registration time
and its pool record; the test knows which answer each device gave. Every attack guesses a device
for each answer; before the ``anonymity-reorder`` job they recover most pairs, after it none may do
better than chance.

The bound: with the job done right, an attack pairs the answers with the devices by a uniformly
random permutation, and the number of correct pairs of a random permutation of 20 is at least 11
with probability 1.0e-8 (about e^-1 * sum of 1/k! for k >= 11). With fewer than 30 attacks per run,
the test fails by chance with probability below 3e-7.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_participation.anonymity import reorder_anonymous
from stadtkern_participation.jobs import JOBS
from support_participation import BASE, EDITOR, answers, create_survey, reorder_ctx

from core.api import ModuleKeys
from core.testing import TEST_SECRET_KEY, register_device, staff_headers

RESIDENTS = 20
CHANCE_BOUND = 10  # more correct pairs than this: P < 1.0e-8 per attack by chance
WORKS = 15  # before the job, the best attack must recover at least this many (the attack is real)


def _correct(answer_key: Callable[[int], Any], device_key: Callable[[int], Any]) -> int:
    """Pair the k-th answer with the k-th device, both ordered by what the attacker reads; ties are
    broken at random (never by the truth). How many pairs are right."""
    shuffle = random.Random(7)
    turns = list(range(RESIDENTS))
    by_answer = sorted(shuffle.sample(turns, RESIDENTS), key=answer_key)
    by_device = sorted(shuffle.sample(turns, RESIDENTS), key=device_key)
    return sum(1 for a, d in zip(by_answer, by_device, strict=True) if a == d)


class Residents:
    """What the test knows (turn -> device, answer text, marker) and the survey."""

    def __init__(self, survey_id: str) -> None:
        self.survey_id = uuid.UUID(survey_id)
        self.devices: list[uuid.UUID] = []
        self.key = ModuleKeys("participation", TEST_SECRET_KEY).derive("marker")

    def answer_text(self, turn: int) -> bytes:
        return f"turn {turn:02d}".encode()

    def marker(self, turn: int) -> bytes:
        message = self.survey_id.bytes + self.devices[turn].bytes
        return hmac.new(self.key, message, hashlib.sha256).hexdigest().encode()


async def _take_part(client: AsyncTestClient[Litestar], residents: Residents) -> None:
    url = f"{BASE}/surveys/{residents.survey_id}/responses"
    for turn in range(RESIDENTS):
        device_id, headers = await register_device(client)
        residents.devices.append(uuid.UUID(device_id))
        body = {"answers": answers(q6=f"turn {turn:02d}"), "notify_results": True}
        assert (await client.post(url, json=body, headers=headers)).status_code == 200
        signup = {"email": f"resident{turn}@example.org", "district": "Hörde", "link_device": True}
        assert (await client.post(f"{BASE}/pool/registrations", json=signup, headers=headers)).status_code == 202


def _frames(wal: bytes) -> list[bytes]:
    """The pages of every frame in a WAL file, in file order (stale frames included)."""
    if len(wal) < 32:
        return []
    page_size = int.from_bytes(wal[8:12], "big")
    return [wal[at + 24 : at + 24 + page_size] for at in range(32, len(wal) - 24, 24 + page_size)]


def _first_frame(frames: Sequence[bytes], needle: bytes) -> int:
    return next((i for i, page in enumerate(frames) if needle in page), len(frames))


def _offset(data: bytes, needle: bytes) -> int:
    found = data.find(needle)
    return len(data) if found < 0 else found


def _checkpointed_copy(path: Path, into: Path) -> bytes:
    """The database file as SQLite leaves it once the WAL is applied: copy both files, open the copy."""
    for suffix in ("", "-wal"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            Path(f"{into}{suffix}").write_bytes(source.read_bytes())
    with closing(sqlite3.connect(into)) as copy:
        copy.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return into.read_bytes()


def _sqlite_attacks(path: Path, residents: Residents, scratch: Path) -> dict[str, int]:
    """Correct pairs per attack on the SQLite files (the database file and its WAL)."""
    data = _checkpointed_copy(path, scratch / f"copy-{uuid.uuid4().hex}.db")
    wal = Path(f"{path}-wal")
    frames = _frames(wal.read_bytes() if wal.exists() else b"")
    answer, marker = residents.answer_text, residents.marker

    def device_bytes(turn: int) -> bytes:
        return residents.devices[turn].bytes

    def subscription(turn: int) -> bytes:  # a subscription record: survey id, then device id
        return residents.survey_id.bytes + residents.devices[turn].bytes

    registered = residents.devices.index  # devices by registration (their UUIDv7 order)
    return {
        # WAL: the commit that first holds an answer comes right after the device's registration
        "wal: answer frame vs device frame": _correct(
            lambda t: _first_frame(frames, answer(t)), lambda t: _first_frame(frames, device_bytes(t))
        ),
        "wal: answer frame vs marker frame (secret)": _correct(
            lambda t: _first_frame(frames, answer(t)), lambda t: _first_frame(frames, marker(t))
        ),
        # the database file: cells in a b-tree page lie in insertion order (upwards or downwards)
        "file: answer offset vs registration": _correct(
            lambda t: _offset(data, answer(t)), lambda t: registered(residents.devices[t])
        ),
        "file: answer offset (reversed) vs registration": _correct(
            lambda t: -_offset(data, answer(t)), lambda t: registered(residents.devices[t])
        ),
        "file: answer offset vs marker offset (secret)": _correct(
            lambda t: _offset(data, answer(t)), lambda t: _offset(data, marker(t))
        ),
        "file: answer offset vs reversed marker offset (secret)": _correct(
            lambda t: _offset(data, answer(t)), lambda t: -_offset(data, marker(t))
        ),
        "file: answer offset vs subscription offset": _correct(
            lambda t: _offset(data, answer(t)), lambda t: _offset(data, subscription(t))
        ),
        "file: answer offset vs reversed subscription offset": _correct(
            lambda t: _offset(data, answer(t)), lambda t: -_offset(data, subscription(t))
        ),
    }


def _turn(answers_value: Any) -> int:
    stored = json.loads(answers_value) if isinstance(answers_value, str) else answers_value
    return int(stored["q6"].split()[1])


def _ctid(value: str) -> tuple[int, int]:
    page, item = value.strip("()").split(",")
    return int(page), int(item)


async def _postgres_attacks(session: AsyncSession, residents: Residents) -> dict[str, int]:
    """Correct pairs per attack on PostgreSQL's system columns (``ctid``: heap position, the order of
    a plain ``pg_dump``; ``xmin``: the inserting transaction)."""

    async def by_column(sql: str, turn_of: Callable[[Any], int]) -> dict[int, tuple[Any, Any]]:
        rows = (await session.execute(text(sql))).all()
        return {turn_of(r[0]): (int(r[1]), _ctid(r[2])) for r in rows}

    response = await by_column("SELECT answers, xmin::text, ctid::text FROM participation_response", _turn)
    marker_turn = {residents.marker(t).decode(): t for t in range(RESIDENTS)}
    marker = await by_column("SELECT marker, xmin::text, ctid::text FROM participation_marker", marker_turn.__getitem__)
    device_turn = {d: t for t, d in enumerate(residents.devices)}

    def device_of(value: Any) -> int:
        return device_turn[value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))]

    subscription = await by_column(
        "SELECT device_id, xmin::text, ctid::text FROM participation_result_subscription", device_of
    )
    device = await by_column("SELECT id, xmin::text, ctid::text FROM core_device", device_of)
    member = await by_column("SELECT device_id, xmin::text, ctid::text FROM participation_pool_member", device_of)
    await session.commit()
    attacks: dict[str, int] = {}
    for name, other in (("device", device), ("marker (secret)", marker), ("subscription", subscription)):
        for column, index in (("xmin", 0), ("ctid", 1)):
            attacks[f"{column}: answer vs {name}"] = _correct(
                lambda t, i=index: response[t][i], lambda t, o=other, i=index: o[t][i]
            )
    # the pool sign-up is the transaction right after the answer
    attacks["xmin: answer vs pool sign-up"] = _correct(lambda t: response[t][0], lambda t: member[t][0])
    return attacks


async def test_storage_attacks_get_no_better_than_chance_after_the_job(
    database: str, client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    staff = await staff_headers(client, sessions, grants=EDITOR)
    residents = Residents(await create_survey(client, staff))
    await _take_part(client, residents)
    postgres = database.startswith("postgresql")

    async def attacks() -> dict[str, int]:
        if postgres:
            async with sessions() as session:
                return await _postgres_attacks(session, residents)
        return _sqlite_attacks(Path(database.split("///", 1)[1]), residents, tmp_path)

    before = await attacks()
    assert max(before.values()) >= WORKS, before  # the threat is real: the attacks work on fresh rows

    await reorder_anonymous(reorder_ctx(sessions))

    after = await attacks()
    print(f"attacks before the job: {before}\nafter: {after}")  # shown with -s
    assert max(after.values()) <= CHANCE_BOUND, (before, after)
    if not postgres:
        _check_files(Path(database.split("///", 1)[1]), residents)


def _check_files(path: Path, residents: Residents) -> None:
    """The WAL is empty, and the database file holds one copy of each answer (no stale cells)."""
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed and truncated
    data = path.read_bytes()
    assert all(data.count(residents.answer_text(t)) == 1 for t in range(RESIDENTS))


def test_the_window_is_short() -> None:
    """New answers are linkable until the job's next run: it runs every minute."""
    job = next(j for j in JOBS if j.id == "anonymity-reorder")
    assert job.every_seconds is not None and job.every_seconds + job.jitter <= 75
