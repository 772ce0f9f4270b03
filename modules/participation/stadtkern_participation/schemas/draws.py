"""Draws by lot on the wire: what an editor asks for, the published draw, an invitee's answer."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from stadtkern_participation.models import Draw
from stadtkern_participation.schemas.pool import ConfirmIn
from stadtkern_participation.sortition import Quota

Attribute = Literal["district", "age_band", "gender"]


class DrawIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How many to draw, stratified by what, with which quotas and seed."""

    size: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    strata_by: list[Attribute] = []
    quotas: list[Quota] = []
    # Leave empty to let the server pick one; a supplied seed should come from a public source.
    seed: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None


class CandidateOut(msgspec.Struct):
    """One eligible pool member in a published draw: a pseudonymous ticket and its stratum."""

    ticket: str
    stratum: str


class DrawOut(msgspec.Struct):
    """A draw as published: everything needed to reproduce its allocation and invitees."""

    id: uuid.UUID
    offer_id: uuid.UUID
    algorithm: str
    seed: str
    size: int
    strata_by: list[str]
    quotas: list[Quota]
    candidates: list[CandidateOut]
    allocation: dict[str, int]
    probabilities: dict[str, float]
    selected: list[str]
    log: list[dict[str, Any]]
    created_at: dt.datetime


class RespondIn(ConfirmIn):
    """An invitee's answer, with the token from the invitation e-mail."""

    answer: Literal["accept", "decline"]


class RespondOut(msgspec.Struct):
    """The invitation's status after the answer."""

    status: str


def draw_out(row: Draw) -> DrawOut:
    """The published wire form of a draw."""
    return DrawOut(
        id=row.id,
        offer_id=row.offer_id,
        algorithm=row.algorithm,
        seed=row.seed,
        size=row.size,
        strata_by=list(row.strata_by),
        quotas=msgspec.convert(row.quotas, list[Quota]),
        candidates=[CandidateOut(**c) for c in row.candidates],
        allocation=dict(row.allocation),
        probabilities=dict(row.probabilities),
        selected=list(row.selected),
        log=list(row.log),
        created_at=row.created_at,
    )
