"""The Losverfahren: a documented stratified random draw ("stadtkern-stratified-v1").

Why not ``sortition-algorithms`` (the Sortition Foundation's maximin)? It is GPL-3.0 and pulls in
cvxpy, numpy, highspy and gspread; neither the licence (a GPL dependency by default in an EUPL
product) nor the weight fits. This algorithm gives the guarantees the issue asks for:

1. **Strata.** Every eligible pool member falls in one stratum: the combination of the draw's
   ``strata_by`` attributes (e.g. ``district=Hörde|age_band=30-44``). Quotas (min/max) are on
   attribute values and therefore on sums of strata.
2. **Allocation (no randomness).** How many seats ``k_s`` each stratum gets is decided
   deterministically from the stratum sizes ``n_s``, the quotas and ``N``: seats are handed out
   one at a time, first to strata that help an unmet minimum, then to the stratum furthest below
   its proportional share ``N * n_s / total``, never breaking a maximum and never leaving fewer
   seats than the unmet minimums still need. Infeasible quotas are named, never silently missed.
   (A greedy allocation: for several crossed attributes it may report a quota set infeasible that
   an integer programme could still meet; it then says which quota failed.)
3. **Selection (the only randomness).** Inside each stratum members are ordered by
   ``SHA-256(seed + ":" + ticket)``; the first ``k_s`` are invited, the rest, in that order, are
   the stratum's replacement queue. A ticket is a pseudonym (``SHA-256(draw id : member id)``).
4. **Probability.** For a seed nobody could predict, that order is a uniformly random
   permutation, so every member of stratum ``s`` is selected with probability exactly
   ``k_s / n_s`` (published per stratum). Replacements after declines raise the chance of the
   remaining members of that stratum; the audit log records each.
5. **Reproducibility.** The draw record publishes the seed, ``N``, the quotas and every
   candidate's ticket and stratum; :func:`run_draw` on those alone gives the same allocation and
   the same invitees. Staff should take the seed from a public source announced in advance (or
   let the server generate one); a supplied seed is marked as such in the log.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated

import msgspec

ALGORITHM = "stadtkern-stratified-v1"
ATTRIBUTES = ("district", "age_band", "gender")


class Quota(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    attribute: str
    value: str
    min: Annotated[int, msgspec.Meta(ge=0)] = 0
    max: Annotated[int, msgspec.Meta(ge=0)] | None = None


@dataclass(frozen=True)
class Candidate:
    ticket: str
    stratum: str


@dataclass
class DrawResult:
    allocation: dict[str, int]
    selected: list[str]
    probabilities: dict[str, float]
    queues: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def ticket_for(draw_id: str, member_id: str) -> str:
    return hashlib.sha256(f"{draw_id}:{member_id}".encode()).hexdigest()[:24]


def stratum_key(attributes: dict[str, str | None], strata_by: list[str]) -> str:
    if not strata_by:
        return "all"
    return "|".join(f"{a}={attributes.get(a) or '-'}" for a in strata_by)


def _parts(stratum: str) -> dict[str, str]:
    if stratum == "all":
        return {}
    return dict(part.split("=", 1) for part in stratum.split("|"))


def _matches(quota: Quota, stratum: str) -> bool:
    return _parts(stratum).get(quota.attribute) == quota.value


def order(seed: str, tickets: list[str]) -> list[str]:
    return sorted(tickets, key=lambda t: (hashlib.sha256(f"{seed}:{t}".encode()).hexdigest(), t))


def check_quotas(counts: dict[str, int], quotas: list[Quota], size: int) -> list[str]:
    """Reasons the quotas cannot be met (empty: worth trying)."""
    problems: list[str] = []
    total = sum(counts.values())
    if total < size:
        problems.append(f"only {total} eligible pool members for {size} seats")
    by_attribute: dict[str, list[Quota]] = {}
    for q in quotas:
        by_attribute.setdefault(q.attribute, []).append(q)
        available = sum(n for s, n in counts.items() if _matches(q, s))
        if q.max is not None and q.max < q.min:
            problems.append(f"{q.attribute}={q.value}: max {q.max} is below min {q.min}")
        if available < q.min:
            problems.append(f"{q.attribute}={q.value}: min {q.min} but only {available} eligible")
    for attribute, group in by_attribute.items():
        mins = sum(q.min for q in group)
        if mins > size:
            problems.append(f"{attribute}: minimums add up to {mins}, more than the {size} seats")
        capped = {q.value: q.max for q in group if q.max is not None}
        ceiling = 0
        for stratum, n in counts.items():
            value = _parts(stratum).get(attribute)
            ceiling += n if value not in capped else 0
        ceiling += sum(
            min(m or 0, sum(n for s, n in counts.items() if _parts(s).get(attribute) == v)) for v, m in capped.items()
        )
        if ceiling < size:
            problems.append(f"{attribute}: maximums allow at most {ceiling} of the {size} seats")
    return problems


def allocate(counts: dict[str, int], quotas: list[Quota], size: int) -> tuple[dict[str, int], list[str]]:
    """Seats per stratum, deterministic; see the module documentation."""
    problems = check_quotas(counts, quotas, size)
    if problems:
        return {}, problems
    total = sum(counts.values())
    k = dict.fromkeys(counts, 0)
    attributes = sorted({q.attribute for q in quotas})

    def filled(q: Quota, alloc: dict[str, int]) -> int:
        return sum(v for s, v in alloc.items() if _matches(q, s))

    for step in range(size):
        remaining_after = size - step - 1
        best: tuple[tuple[float, ...], str] | None = None
        for stratum in sorted(counts):
            if k[stratum] >= counts[stratum]:
                continue
            trial = dict(k)
            trial[stratum] += 1
            if any(q.max is not None and filled(q, trial) > q.max for q in quotas):
                continue
            deficits = [sum(max(0, q.min - filled(q, trial)) for q in quotas if q.attribute == a) for a in attributes]
            if any(d > remaining_after for d in deficits):
                continue
            helps = sum(1 for q in quotas if _matches(q, stratum) and filled(q, k) < q.min)
            shortfall = size * counts[stratum] / total - k[stratum]
            score = (float(helps), shortfall, float(counts[stratum]))
            if best is None or score > best[0]:
                best = (score, stratum)
        if best is None:
            unmet = [f"{q.attribute}={q.value}" for q in quotas if filled(q, k) < q.min]
            over = ", ".join(unmet) if unmet else "the maximums"
            return {}, [f"cannot fill seat {step + 1} of {size} without breaking {over}"]
        k[best[1]] += 1
    unmet = [f"{q.attribute}={q.value}: min {q.min} not reached" for q in quotas if filled(q, k) < q.min]
    return ({} if unmet else k), unmet


def run_draw(candidates: list[Candidate], quotas: list[Quota], size: int, seed: str) -> DrawResult:
    """The whole draw from public data only (tickets, strata, quotas, N, seed)."""
    counts = Counter(c.stratum for c in candidates)
    allocation, problems = allocate(dict(counts), quotas, size)
    if problems:
        return DrawResult(allocation={}, selected=[], probabilities={}, problems=problems)
    selected: list[str] = []
    queues: dict[str, list[str]] = {}
    for stratum in sorted(counts):
        ranked = order(seed, [c.ticket for c in candidates if c.stratum == stratum])
        seats = allocation[stratum]
        selected.extend(ranked[:seats])
        queues[stratum] = ranked[seats:]
    probabilities = {s: round(allocation[s] / counts[s], 6) for s in sorted(counts)}
    return DrawResult(allocation=allocation, selected=selected, probabilities=probabilities, queues=queues)
