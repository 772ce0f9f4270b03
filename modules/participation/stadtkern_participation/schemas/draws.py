"""Draws by lot on the wire: what an editor asks for, the published draw, an invitee's answer."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import msgspec

from stadtkern_participation.models import AttemptOutcome, Draw, DrawAttempt, DrawStatus, InvitationStatus
from stadtkern_participation.schemas.pool import ConfirmIn
from stadtkern_participation.sortition import Quota

Attribute = Literal["district", "age_band", "gender"]


class DrawIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How many to draw, stratified by what, with which quotas. No seed: the server picks it and
    publishes its SHA-256 before the pool is frozen (a ``seed`` field is a 422)."""

    size: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    strata_by: list[Attribute] = []
    quotas: list[Quota] = []


class AttemptOut(msgspec.Struct):
    """One attempt to commit or run the offer's draw, and whether it was accepted (if not: why)."""

    at: dt.datetime
    action: str
    outcome: AttemptOutcome
    detail: str | None


class CandidateOut(msgspec.Struct):
    """One eligible pool member in a published draw: a pseudonymous ticket and its stratum."""

    ticket: str
    stratum: str


class DrawOut(msgspec.Struct):
    """A draw as published: the seed's commitment from the start; once drawn, the seed and
    everything needed to reproduce its allocation and invitees; every attempt."""

    id: uuid.UUID
    offer_id: uuid.UUID
    status: DrawStatus
    algorithm: str
    # SHA-256 of the seed, published at the commit; the seed itself only once the draw has run.
    seed_commitment: str | None
    seed: str | None
    size: int
    strata_by: list[str]
    quotas: list[Quota]
    candidates: list[CandidateOut]
    allocation: dict[str, int]
    probabilities: dict[str, float]
    selected: list[str]
    log: list[dict[str, Any]]
    attempts: list[AttemptOut]
    created_at: dt.datetime


class RespondIn(ConfirmIn):
    """An invitee's answer, with the token from the invitation e-mail."""

    answer: Literal["accept", "decline"]


class RespondOut(msgspec.Struct):
    """The invitation's status after the answer."""

    status: InvitationStatus


def draw_out(row: Draw, attempts: Sequence[DrawAttempt]) -> DrawOut:
    """The published wire form of a draw; the seed stays hidden while it is only committed."""
    return DrawOut(
        id=row.id,
        offer_id=row.offer_id,
        status=row.status,
        algorithm=row.algorithm,
        seed_commitment=row.seed_commitment,
        seed=None if row.status == "committed" else row.seed,
        size=row.size,
        strata_by=list(row.strata_by),
        quotas=msgspec.convert(row.quotas, list[Quota]),
        candidates=[CandidateOut(**c) for c in row.candidates],
        allocation=dict(row.allocation),
        probabilities=dict(row.probabilities),
        selected=list(row.selected),
        # the log's "drawn" entry repeats the seed: hidden with it until then (there is none before)
        log=list(row.log),
        attempts=[AttemptOut(at=a.created_at, action=a.action, outcome=a.outcome, detail=a.detail) for a in attempts],
        created_at=row.created_at,
    )
