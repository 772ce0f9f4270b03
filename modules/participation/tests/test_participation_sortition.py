"""The Losverfahren's seat allocation (stadtkern-stratified-v2): exact under crossed quotas, closest to
proportional, infeasible quotas named (also over HTTP), reproducible from the seed and public data."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from fractions import Fraction

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_participation.sortition import ALGORITHM, Candidate, Quota, run_draw
from support_participation import BASE, EDITOR, offer_body, pool_member

from core.testing import staff_headers


def _candidates(sizes: dict[str, int]) -> list[Candidate]:
    return [Candidate(ticket=f"{stratum}#{i:03d}", stratum=stratum) for stratum, n in sizes.items() for i in range(n)]


def _seats(result_selected: list[str], candidates: list[Candidate], attribute: str, value: str) -> int:
    strata = {c.ticket: c.stratum for c in candidates}
    return sum(1 for t in result_selected if f"{attribute}={value}" in strata[t].split("|"))


def _deviation(allocation: dict[str, int], sizes: dict[str, int], seats: int) -> Fraction:
    total = sum(sizes.values())
    return sum((abs(Fraction(allocation[s]) - Fraction(seats * n, total)) for s, n in sizes.items()), Fraction(0))


# Quotas on district AND age band cross: the strata are district x age band. The greedy allocation
# of stadtkern-stratified-v1 filled Eving, Hörde/30-44 and Mengede first and then found no seat left
# that broke neither maximum ("cannot fill seat 4 of 4 without breaking the maximums"); one seat in
# each stratum meets both quotas (and is exactly proportional).
CROSSED = {
    "district=Eving|age_band=30-44": 3,
    "district=Hörde|age_band=18-29": 3,
    "district=Hörde|age_band=30-44": 3,
    "district=Mengede|age_band=30-44": 3,
}
CROSSED_QUOTAS = [
    Quota(attribute="age_band", value="30-44", min=3, max=3),
    Quota(attribute="district", value="Hörde", min=2, max=2),
]


def test_crossed_quotas_that_greedy_allocation_missed_are_met() -> None:
    candidates = _candidates(CROSSED)
    result = run_draw(candidates, CROSSED_QUOTAS, 4, "2026-11-21 Lotto")
    assert result.problems == []
    assert result.allocation == dict.fromkeys(CROSSED, 1)
    assert len(result.selected) == 4
    assert _seats(result.selected, candidates, "age_band", "30-44") == 3
    assert _seats(result.selected, candidates, "district", "Hörde") == 2
    assert result.probabilities == dict.fromkeys(CROSSED, round(1 / 3, 6))
    assert ALGORITHM == "stadtkern-stratified-v2"


def test_random_crossed_quotas_are_met_whenever_possible() -> None:
    """Three crossed attributes, many quota sets: every feasible one is met exactly, and the
    allocation is as close to proportional as any allocation meeting the quotas can be."""
    rng = random.Random(20261122)
    met = 0
    for _ in range(25):
        sizes = {
            f"district={d}|age_band={a}|gender={g}": rng.randint(1, 6)
            for d in ("Hörde", "Brackel", "Eving")
            for a in ("18-29", "30-59", "60+")
            for g in ("f", "m")
            if rng.random() < 0.8
        }
        candidates = _candidates(sizes)
        seats = rng.randint(6, 15)
        quotas = [
            Quota(attribute="district", value="Hörde", min=rng.randint(1, 4), max=rng.randint(4, 7)),
            Quota(attribute="age_band", value="60+", min=rng.randint(1, 4)),
            Quota(attribute="gender", value="f", min=seats // 2, max=(seats + 1) // 2),
        ]
        result = run_draw(candidates, quotas, seats, "seed")
        if result.problems:
            assert all(p.quota is not None or "eligible" in p.message for p in result.details)
            continue
        met += 1
        assert len(result.selected) == seats
        for q in quotas:
            n = _seats(result.selected, candidates, q.attribute, q.value)
            assert q.min <= n and (q.max is None or n <= q.max), (q, n)
        # no allocation meeting the quotas is closer: moving one seat between two strata never helps
        best = _deviation(result.allocation, sizes, seats)
        for a in sizes:
            for b in sizes:
                moved = dict(result.allocation)
                moved[a] -= 1
                moved[b] += 1
                if a == b or moved[a] < 0 or moved[b] > sizes[b]:
                    continue
                ok = all(
                    q.min
                    <= sum(k for s, k in moved.items() if f"{q.attribute}={q.value}" in s)
                    <= (seats if q.max is None else q.max)
                    for q in quotas
                )
                assert not ok or _deviation(moved, sizes, seats) >= best
    assert met >= 15  # most of these quota sets are feasible


def test_infeasible_quotas_are_named() -> None:
    sizes = {
        "district=Brackel|age_band=18-29": 3,
        "district=Brackel|age_band=60-74": 1,
        "district=Hörde|age_band=18-29": 3,
        "district=Hörde|age_band=60-74": 3,
    }
    quotas = [
        Quota(attribute="district", value="Hörde", max=3),  # harmless on its own and with the others
        Quota(attribute="district", value="Brackel", min=2),
        Quota(attribute="age_band", value="18-29", max=0),  # Brackel has only one older member
    ]
    result = run_draw(_candidates(sizes), quotas, 4, "s")
    assert result.selected == [] and result.allocation == {}
    assert [p.quota for p in result.details] == [1, 2]  # dropping either one alone makes the draw possible
    assert "district=Brackel (min 2)" in result.problems[0]
    assert "age_band=18-29 (max 0)" in result.problems[1]
    assert not any("district=Hörde" in p for p in result.problems)

    # two impossible quotas: no single one is to blame, both are named
    both = [
        Quota(attribute="district", value="Brackel", min=5),  # only 4 in Brackel
        Quota(attribute="age_band", value="60-74", min=5),  # only 4 aged 60-74
        Quota(attribute="district", value="Hörde", max=4),
    ]
    result = run_draw(_candidates(sizes), both, 8, "s")
    assert [p.quota for p in result.details] == [0, 1]
    assert "only 4 eligible pool members have district=Brackel" in result.problems[0]
    assert "only 4 eligible pool members have age_band=60-74" in result.problems[1]

    small = run_draw(_candidates(sizes), [], 11, "s")
    assert small.problems == ["only 10 eligible pool members for 11 seats"] and small.details[0].quota is None


def test_draw_is_reproducible_from_seed_and_public_data() -> None:
    candidates = _candidates({"district=Hörde": 7, "district=Brackel": 5, "district=Eving": 4})
    quotas = [Quota(attribute="district", value="Eving", min=2)]
    first = run_draw(candidates, quotas, 6, "Lotto 2026-11-21: 3 11 19 27 38 45")
    shuffled = list(candidates)
    random.Random(1).shuffle(shuffled)
    again = run_draw(shuffled, quotas, 6, "Lotto 2026-11-21: 3 11 19 27 38 45")
    assert sorted(again.selected) == sorted(first.selected)
    assert again.allocation == first.allocation and again.queues == first.queues
    other = run_draw(candidates, quotas, 6, "Lotto 2026-11-28: 1 2 3 4 5 6")
    assert sorted(other.selected) != sorted(first.selected)


def test_allocation_without_quotas_is_proportional() -> None:
    # shares 3.5, 2.1 and 1.4 of 7 seats: floors 3 + 2 + 1, the seventh seat to the largest remainder
    sizes = {"district=Hörde": 50, "district=Brackel": 30, "district=Eving": 20}
    result = run_draw(_candidates(sizes), [], 7, "any seed")
    assert result.allocation == {"district=Hörde": 4, "district=Brackel": 2, "district=Eving": 1}
    assert result.probabilities == {
        "district=Brackel": round(2 / 30, 6),
        "district=Eving": 0.05,
        "district=Hörde": 0.08,
    }

    rng = random.Random(7)
    for _ in range(20):
        sizes = {f"district=D{i}|age_band={a}": rng.randint(1, 40) for i in range(6) for a in ("18-29", "30+")}
        seats = rng.randint(5, 60)
        allocation = run_draw(_candidates(sizes), [], seats, str(rng.random())).allocation
        total = sum(sizes.values())
        assert sum(allocation.values()) == seats
        for stratum, n in sizes.items():  # every stratum gets its share rounded down or up
            assert seats * n // total <= allocation[stratum] <= -(-seats * n // total)


def test_ties_are_broken_by_the_seed_not_by_name() -> None:
    sizes = {"district=Aplerbeck": 10, "district=Brackel": 10, "district=Eving": 10}
    winners: Counter[str] = Counter()
    for seed in range(60):
        result = run_draw(_candidates(sizes), [], 1, f"seed {seed}")
        assert result == run_draw(_candidates(sizes), [], 1, f"seed {seed}")  # deterministic
        (stratum,) = [s for s, k in result.allocation.items() if k]
        winners[stratum] += 1
    assert set(winners) == set(sizes)  # each equally large district wins the seat for some seeds


async def test_infeasible_draw_is_a_problem_naming_the_quotas(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    now = dt.datetime.now(dt.UTC)
    async with sessions() as session, session.begin():
        pool = [("Hörde", "18-29")] * 4 + [("Hörde", "60-74")] * 4
        pool += [("Brackel", "18-29")] * 2 + [("Brackel", "60-74")] * 2
        for index, (district, band) in enumerate(pool):
            session.add(pool_member(index, district, band, now))
    staff = await staff_headers(client, sessions, grants=EDITOR)
    offer_id = (await client.post(f"{BASE}/offers", json=offer_body(), headers=staff)).json()["id"]
    response = await client.post(
        f"{BASE}/offers/{offer_id}/draws",
        json={
            "size": 4,
            "strata_by": ["district", "age_band"],
            "quotas": [
                {"attribute": "district", "value": "Brackel", "min": 3},
                {"attribute": "age_band", "value": "18-29", "max": 0},
                {"attribute": "age_band", "value": "60-74", "max": 4},
            ],
        },
        headers=staff,
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    errors = {e["field"]: e["message"] for e in problem["errors"]}
    assert set(errors) == {"body.quotas[0]", "body.quotas[1]"}  # not the harmless third quota
    assert errors["body.quotas[0]"].startswith("district=Brackel (min 3)")
    assert errors["body.quotas[1]"].startswith("age_band=18-29 (max 0)")

    crossed = await client.post(
        f"{BASE}/offers/{offer_id}/draws",
        json={
            "size": 4,
            "strata_by": ["district", "age_band"],
            "quotas": [
                {"attribute": "district", "value": "Brackel", "min": 2, "max": 2},
                {"attribute": "age_band", "value": "60-74", "min": 3, "max": 3},
            ],
        },
        headers=staff,
    )
    assert crossed.status_code == 201, crossed.text
    ran = await client.post(f"{BASE}/draws/{crossed.json()['id']}/run", headers=staff)
    assert ran.status_code == 200, ran.text
    draw = ran.json()
    assert draw["algorithm"] == "stadtkern-stratified-v2"
    chosen = [c["stratum"] for c in draw["candidates"] if c["ticket"] in draw["selected"]]
    assert sum("district=Brackel" in s for s in chosen) == 2 and sum("age_band=60-74" in s for s in chosen) == 3


def _pool(n_per: int = 5) -> list[Candidate]:
    out = []
    for district in ("A", "B", "C"):
        for band in ("18-29", "60-74"):
            for i in range(n_per):
                out.append(Candidate(ticket=f"{district}{band}{i:03d}", stratum=f"district={district}|age_band={band}"))
    return out


def test_draw_meets_quotas_and_is_reproducible_from_the_seed() -> None:
    candidates = _pool()
    quotas = [
        Quota(attribute="district", value="A", min=4),
        Quota(attribute="district", value="C", max=1),
        Quota(attribute="age_band", value="60-74", min=5),
    ]
    first = run_draw(candidates, quotas, 10, "lotto-2026-11-21")
    assert not first.problems
    chosen = {c.ticket: c.stratum for c in candidates if c.ticket in first.selected}
    assert len(chosen) == 10
    assert sum(1 for s in chosen.values() if "district=A" in s) >= 4
    assert sum(1 for s in chosen.values() if "district=C" in s) <= 1
    assert sum(1 for s in chosen.values() if "age_band=60-74" in s) >= 5
    # same public inputs, same outcome (input order does not matter)
    again = run_draw(list(reversed(candidates)), quotas, 10, "lotto-2026-11-21")
    assert sorted(again.selected) == sorted(first.selected) and again.allocation == first.allocation
    other = run_draw(candidates, quotas, 10, "another seed")
    assert sorted(other.selected) != sorted(first.selected)
    # the seed only breaks ties between equally close allocations: both are as close as can be
    sizes = {s: 5 for s in first.allocation}

    def deviation(allocation: dict[str, int]) -> float:
        return sum(abs(allocation[s] - 10 * n / 30) for s, n in sizes.items())

    assert deviation(other.allocation) == pytest.approx(deviation(first.allocation))
    # known probabilities: seats / stratum size
    for stratum, seats in first.allocation.items():
        assert first.probabilities[stratum] == round(seats / 5, 6)


def test_draw_names_infeasible_quotas() -> None:
    result = run_draw(_pool(2), [Quota(attribute="district", value="A", min=6)], 8, "s")
    assert result.problems and "district=A" in result.problems[0]
    result = run_draw(
        _pool(2), [Quota(attribute="district", value="A", max=0), Quota(attribute="district", value="B", max=1)], 8, "s"
    )
    # either maximum alone is fine; together they leave at most 5 of the 8 seats: both are named
    assert [d.quota for d in result.details] == [0, 1]
    assert "district=A (max 0)" in result.problems[0] and "district=B (max 1)" in result.problems[1]
    assert run_draw(_pool(1), [], 7, "s").problems == [
        "only 6 eligible pool members for 6 seats".replace("6 seats", "7 seats")
    ]


def test_draw_selection_is_uniform_within_a_stratum() -> None:
    candidates = [Candidate(ticket=f"t{i}", stratum="all") for i in range(10)]
    hits = dict.fromkeys((c.ticket for c in candidates), 0)
    for seed in range(2000):
        for ticket in run_draw(candidates, [], 3, str(seed)).selected:
            hits[ticket] += 1
    assert all(abs(count / 2000 - 0.3) < 0.05 for count in hits.values())
