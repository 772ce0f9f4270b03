"""The Losverfahren: a documented stratified random draw ("stadtkern-stratified-v2").

Why not ``sortition-algorithms`` (the Sortition Foundation's maximin)? It is GPL-3.0 and pulls in
cvxpy, highspy and gspread; a GPL dependency by default does not fit an EUPL product. The seat
allocation below is a small integer programme solved with SciPy's ``milp`` (the HiGHS solver;
SciPy BSD-3-Clause, HiGHS MIT). The algorithm, step by step:

1. **Strata.** Every eligible pool member falls in one stratum: the combination of the draw's
   ``strata_by`` attributes (e.g. ``district=Hörde|age_band=30-44``). Quotas (min/max) are on
   attribute values and therefore on sums of strata; with several attributes they cross.
2. **Allocation (exact).** The seats ``k_s`` per stratum are integers with ``0 <= k_s <= n_s``
   (``n_s``: members in stratum ``s``), ``sum k_s = N``, and for every quota
   ``min <= sum of k_s over the strata it matches <= max``. Whenever such an allocation exists it
   is found (no greedy step can talk itself into a dead end). Among all of them the draw takes the
   one closest to proportional: the smallest ``sum |k_s - N * n_s / total|`` (without quotas that
   is the largest-remainder method). If several are equally close, the tie is broken by the seed:
   strata are ranked by ``SHA-256(seed + ":" + stratum)`` and, in that rank order, each gets the
   largest number of seats that still leaves an equally close allocation. So no stratum is
   favoured for its name, and the allocation follows from public data and the seed alone.
   When no allocation exists, the quotas responsible are named: every quota whose removal alone
   makes the draw possible, or else a smallest set of quotas whose removal does.
3. **Selection (the only randomness besides ties).** Inside each stratum members are ordered by
   ``SHA-256(seed + ":" + ticket)``; the first ``k_s`` are invited, the rest, in that order, are
   the stratum's replacement queue. A ticket is a pseudonym (``SHA-256(draw id : member id)``).
4. **Probability.** For a seed nobody could predict, that order is a uniformly random
   permutation, so, given the allocation, every member of stratum ``s`` is selected with
   probability exactly ``k_s / n_s`` (published per stratum). Replacements after declines raise
   the chance of the remaining members of that stratum; the audit log records each.
5. **Reproducibility.** The draw record publishes the algorithm id, the seed, ``N``, the quotas and
   every candidate's ticket and stratum; :func:`run_draw` on those alone gives the same
   allocation and the same invitees. The seed is the server's: its SHA-256 is published when the
   draw is committed, before the pool is frozen, and the seed with the result (``services/draws.py``). Draws
   recorded as ``stadtkern-stratified-v1`` (greedy allocation) are replayed with this module's
   0.1.0 release.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec

from schemas import Key

ALGORITHM = "stadtkern-stratified-v2"
ATTRIBUTES = ("district", "age_band", "gender")


class Quota(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Bounds on the seats going to members with ``attribute`` = ``value``."""

    attribute: Key
    value: Key
    min: Annotated[int, msgspec.Meta(ge=0)] = 0
    max: Annotated[int, msgspec.Meta(ge=0)] | None = None

    def label(self) -> str:
        """The quota as a problem message names it."""
        bounds = [f"min {self.min}"] if self.min else []
        if self.max is not None:
            bounds.append(f"max {self.max}")
        return f"{self.attribute}={self.value} ({', '.join(bounds) or 'no bounds'})"


@dataclass(frozen=True)
class Candidate:
    """An eligible member as the draw sees them: a pseudonymous ticket and a stratum."""

    ticket: str
    stratum: str


@dataclass(frozen=True)
class Problem:
    """Why a draw cannot be made; ``quota`` is the index of the quota it names, if any."""

    message: str
    quota: int | None = None


@dataclass
class DrawResult:
    """The outcome of ``run_draw``: seats per stratum, the selected tickets, or the problems."""

    allocation: dict[str, int]
    selected: list[str]
    probabilities: dict[str, float]
    queues: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # The same problems with the quota each one names (for field paths like body.quotas[1]).
    details: list[Problem] = field(default_factory=list)


def ticket_for(draw_id: str, member_id: str) -> str:
    """The member's pseudonymous ticket in this draw (a different one in every draw)."""
    return hashlib.sha256(f"{draw_id}:{member_id}".encode()).hexdigest()[:24]


def stratum_key(attributes: dict[str, str | None], strata_by: list[str]) -> str:
    """The stratum of a member: ``district=Hörde|age_band=18-29`` (``-`` if missing; ``all`` without strata)."""
    if not strata_by:
        return "all"
    return "|".join(f"{a}={attributes.get(a) or '-'}" for a in strata_by)


def _parts(stratum: str) -> dict[str, str]:
    if stratum == "all":
        return {}
    return dict(part.split("=", 1) for part in stratum.split("|"))


def _matches(quota: Quota, stratum: str) -> bool:
    return _parts(stratum).get(quota.attribute) == quota.value


def _rank(seed: str, item: str) -> tuple[str, str]:
    return hashlib.sha256(f"{seed}:{item}".encode()).hexdigest(), item


def order(seed: str, tickets: list[str]) -> list[str]:
    """The tickets in the order the seed gives them (``SHA-256(seed:ticket)``)."""
    return sorted(tickets, key=lambda t: _rank(seed, t))


# -- the integer programme ----------------------------------------------------------------------


@dataclass
class _Programme:
    """``min objective . x`` over integers ``lower <= x <= upper`` with ``low <= row . x <= high``."""

    lower: list[float]
    upper: list[float]
    rows: list[dict[int, float]] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)

    def add(self, row: dict[int, float], low: float, high: float) -> None:
        """One more constraint ``low <= row . x <= high``."""
        self.rows.append(row)
        self.low.append(low)
        self.high.append(high)

    def extended(self, binaries: int) -> _Programme:
        """A copy with ``binaries`` more variables in ``[0, 1]`` (numbered after the existing ones)."""
        return _Programme(
            lower=[*self.lower, *[0.0] * binaries],
            upper=[*self.upper, *[1.0] * binaries],
            rows=list(self.rows),
            low=list(self.low),
            high=list(self.high),
        )

    def solve(self, objective: dict[int, float]) -> list[float] | None:
        """An exactly optimal solution (HiGHS via ``scipy.optimize.milp``); ``None`` if infeasible."""
        from scipy.optimize import Bounds, LinearConstraint, milp  # ~0.5 s to import: only when drawing
        from scipy.sparse import csr_array

        width = len(self.lower)
        entries = [(r, c, v) for r, row in enumerate(self.rows) for c, v in row.items()]
        matrix = csr_array(
            ([v for _, _, v in entries], ([r for r, _, _ in entries], [c for _, c, _ in entries])),
            shape=(len(self.rows), width),
        )
        cost = [objective.get(i, 0.0) for i in range(width)]
        result: Any = milp(
            cost,
            integrality=[1] * width,
            bounds=Bounds(self.lower, self.upper),
            constraints=LinearConstraint(matrix, self.low, self.high),
            options={"mip_rel_gap": 0.0},
        )
        if result.status == 2:  # infeasible
            return None
        if result.status != 0 or result.x is None:
            raise RuntimeError(f"seat allocation: the solver gave up ({result.message})")
        return [float(v) for v in result.x]


@dataclass
class _Model:
    """The strata (sorted), their sizes, the quotas and the number of seats."""

    strata: list[str]
    counts: list[int]
    quotas: list[Quota]
    size: int

    def members(self, quota: Quota) -> list[int]:
        """Indexes of the strata the quota counts."""
        return [i for i, s in enumerate(self.strata) if _matches(quota, s)]

    def feasible(self, skip: Sequence[int] = ()) -> bool:
        """Is there an allocation meeting every quota except those with an index in ``skip``?"""
        programme = _Programme(lower=[0.0] * len(self.strata), upper=[float(c) for c in self.counts])
        programme.add(dict.fromkeys(range(len(self.strata)), 1.0), self.size, self.size)
        for index, quota in enumerate(self.quotas):
            if index not in skip:
                programme.add(dict.fromkeys(self.members(quota), 1.0), quota.min, _ceiling(quota))
        return programme.solve({}) is not None


def _ceiling(quota: Quota) -> float:
    return float("inf") if quota.max is None else float(quota.max)


def _closest(model: _Model, seed: str) -> dict[str, int] | None:
    """The allocation closest to proportional, ties broken by the seed; ``None`` if none exists.

    In units of ``1/total`` the proportional share of stratum ``s`` is ``N * n_s = total * f_s +
    r_s`` (``f_s`` seats and a remainder), so every deviation is an integer and ties are exact.
    ``k_s = f_s - down_s + up_s + more_s`` with the deviation's slopes as costs: ``total`` per seat
    below ``f_s``, ``total - 2 r_s`` for the seat to ``f_s + 1``, ``total`` per seat beyond. The
    deviation is convex in ``k_s``, so this is exact, and its relaxation is tight (quotas on one or
    two attributes make a network matrix): HiGHS mostly solves it without branching.
    """
    total, size, n = sum(model.counts), model.size, len(model.strata)
    floors = [size * c // total for c in model.counts]
    remainders = [size * c % total for c in model.counts]
    lower = [0.0] * (3 * n)
    upper: list[float] = []
    cost: dict[int, float] = {}
    for i, (count, floor, rest) in enumerate(zip(model.counts, floors, remainders, strict=True)):
        upper += [float(floor), float(min(1, count - floor)), float(max(0, count - floor - 1))]
        cost.update({3 * i: float(total), 3 * i + 1: float(total - 2 * rest), 3 * i + 2: float(total)})

    def seats(strata: Iterable[int]) -> dict[int, float]:
        row: dict[int, float] = {}
        for i in strata:
            row.update({3 * i: -1.0, 3 * i + 1: 1.0, 3 * i + 2: 1.0})
        return row

    programme = _Programme(lower=lower, upper=upper)
    programme.add(seats(range(n)), size - sum(floors), size - sum(floors))
    for quota in model.quotas:
        members = model.members(quota)
        base = sum(floors[i] for i in members)
        programme.add(seats(members), quota.min - base, _ceiling(quota) - base)
    best = programme.solve(cost)
    if best is None:
        return None
    deviation = round(sum(cost[j] * best[j] for j in cost))
    programme.add(cost, float("-inf"), deviation + 0.5)  # integral: no worse than the optimum

    def allocation_of(x: list[float]) -> list[int]:
        return [floors[i] - round(x[3 * i]) + round(x[3 * i + 1]) + round(x[3 * i + 2]) for i in range(n)]

    def fix(i: int, seats_i: int) -> None:
        programme.add(seats([i]), seats_i - floors[i], seats_i - floors[i])

    def first_to_grow(group: list[int], current: list[int]) -> int | None:
        """The first stratum of ``group`` that an equally close allocation gives more than ``current``."""
        extended = programme.extended(len(group))  # y_t = 1: stratum group[t] gets one seat more
        for t, i in enumerate(group):  # k_i >= (current_i + 1) * y_t
            extended.add({**seats([i]), 3 * n + t: -float(current[i] + 1)}, -floors[i], float("inf"))
        extended.add({3 * n + t: 1.0 for t in range(len(group))}, 0.0, 1.0)  # one y at most: the earliest
        found = extended.solve({3 * n + t: -float(len(group) - t) for t in range(len(group))})
        assert found is not None  # all y = 0: the current allocation
        return next((t for t in range(len(group)) if round(found[3 * n + t])), None)

    # Tie-break: in seed order, each stratum takes the most seats an equally close allocation still
    # allows (the lexicographic maximum). Strata before the first one that can grow keep their seats,
    # so a draw without ties costs two solver runs, and each tie two more.
    ranked = sorted(range(n), key=lambda i: _rank(seed, model.strata[i]))
    current = allocation_of(best)
    start = 0
    while start < n and (step := first_to_grow(ranked[start:], current)) is not None:
        for i in ranked[start : start + step]:
            fix(i, current[i])
        grower = ranked[start + step]
        found = programme.solve({3 * grower: 1.0, 3 * grower + 1: -1.0, 3 * grower + 2: -1.0})
        assert found is not None  # the current allocation is still one
        current = allocation_of(found)
        fix(grower, current[grower])
        start += step + 1
    allocation = {s: current[i] for i, s in enumerate(model.strata)}
    _verify(model, allocation)
    return allocation


def _verify(model: _Model, allocation: dict[str, int]) -> None:
    """Check the solver's answer in exact integer arithmetic (never publish a float artefact)."""
    ok = sum(allocation.values()) == model.size and all(
        0 <= allocation[s] <= n for s, n in zip(model.strata, model.counts, strict=True)
    )
    for quota in model.quotas:
        seats = sum(allocation[model.strata[i]] for i in model.members(quota))
        ok = ok and quota.min <= seats and (quota.max is None or seats <= quota.max)
    if not ok:
        raise RuntimeError(f"seat allocation: the solver's answer breaks a constraint: {allocation}")


def _why(model: _Model, index: int) -> str:
    quota = model.quotas[index]
    available = sum(model.counts[i] for i in model.members(quota))
    if quota.max is not None and quota.max < quota.min:
        return f"{quota.label()}: max is below min"
    if quota.min > model.size:
        return f"{quota.label()}: min is more than the {model.size} seats"
    if quota.min > available:
        return f"{quota.label()}: only {available} eligible pool members have {quota.attribute}={quota.value}"
    return f"{quota.label()}: cannot be met together with the other quotas and {model.size} seats"


def diagnose(model: _Model) -> list[Problem]:
    """Name what makes the draw impossible (see the module documentation, step 2)."""
    total = sum(model.counts)
    if total < model.size:
        return [Problem(f"only {total} eligible pool members for {model.size} seats")]
    singles = [i for i in range(len(model.quotas)) if model.feasible(skip=[i])]
    if singles:
        hint = "" if len(singles) == 1 else " (dropping or relaxing any one of these makes the draw possible)"
        return [Problem(_why(model, i) + hint, quota=i) for i in singles]
    # No single quota is to blame: the smallest set whose removal helps (z_q = 1: quota q dropped).
    # Ties between sets of equal size go to the quotas listed last (weights 1 + tiny by position).
    n, q = len(model.strata), len(model.quotas)
    programme = _Programme(lower=[0.0] * (n + q), upper=[float(c) for c in model.counts] + [1.0] * q)
    programme.add(dict.fromkeys(range(n), 1.0), model.size, model.size)
    for j, quota in enumerate(model.quotas):
        members = dict.fromkeys(model.members(quota), 1.0)
        programme.add({**members, n + j: float(quota.min)}, quota.min, float("inf"))  # sum + min z >= min
        if quota.max is not None:
            programme.add({**members, n + j: -float(model.size)}, float("-inf"), quota.max)  # sum - N z <= max
    solution = programme.solve({n + j: 1.0 + (q - j) / (4.0 * q * q) for j in range(q)})
    dropped = [] if solution is None else [j for j in range(q) if solution[n + j] > 0.5]
    return [
        Problem(
            f"{_why(model, j)}; without all of "
            + ", ".join(model.quotas[k].label() for k in dropped)
            + " the draw is possible",
            quota=j,
        )
        for j in dropped
    ]


def allocate(
    counts: dict[str, int], quotas: list[Quota], size: int, seed: str = ""
) -> tuple[dict[str, int], list[Problem]]:
    """Seats per stratum (see the module documentation, step 2), or the problems that prevent them."""
    strata = sorted(s for s, n in counts.items() if n > 0)
    model = _Model(strata=strata, counts=[counts[s] for s in strata], quotas=list(quotas), size=size)
    if sum(model.counts) < size:
        return {}, diagnose(model)
    allocation = _closest(model, seed)
    if allocation is None:
        return {}, diagnose(model)
    return allocation, []


def run_draw(candidates: list[Candidate], quotas: list[Quota], size: int, seed: str) -> DrawResult:
    """The whole draw from public data only (tickets, strata, quotas, N, seed)."""
    counts = Counter(c.stratum for c in candidates)
    allocation, problems = allocate(dict(counts), quotas, size, seed)
    if problems:
        return DrawResult(
            allocation={}, selected=[], probabilities={}, problems=[p.message for p in problems], details=problems
        )
    selected: list[str] = []
    queues: dict[str, list[str]] = {}
    for stratum in sorted(counts):
        ranked = order(seed, [c.ticket for c in candidates if c.stratum == stratum])
        seats = allocation[stratum]
        selected.extend(ranked[:seats])
        queues[stratum] = ranked[seats:]
    probabilities = {s: round(allocation[s] / counts[s], 6) for s in sorted(counts)}
    return DrawResult(allocation=allocation, selected=selected, probabilities=probabilities, queues=queues)
