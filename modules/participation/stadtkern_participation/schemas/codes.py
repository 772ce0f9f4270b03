"""Participation codes on the wire: how many an editor asks for, and the codes, shown once."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec


class CodesIn(msgspec.Struct, forbid_unknown_fields=True):
    """How many single-use codes to issue for the survey (ask again for more)."""

    count: Annotated[int, msgspec.Meta(ge=1, le=5000)]


class CodesOut(msgspec.Struct):
    """The new codes, shown this once: the database keeps only their keyed hashes."""

    survey_id: uuid.UUID
    codes: list[str]
