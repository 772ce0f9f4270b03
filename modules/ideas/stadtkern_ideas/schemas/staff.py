"""What moderators and editors send and get back."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

import msgspec

from schemas import LocalizedText
from stadtkern_ideas.models import Idea, IdeaStatus, Moderation, Photo, StatusChange
from stadtkern_ideas.schemas.ideas import IdeaPlace, Status, place_of
from stadtkern_ideas.schemas.photos import PhotoOut, photo_out

Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=1000)]


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Moderation's decision on a pending idea; a decline needs the reason the submitter reads."""

    decision: Literal["accept", "decline"]
    reason: Reason | None = None


class StatusIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new status with the city's public answer (the city's languages, German first)."""

    status: Status
    answer: LocalizedText


class MergeIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Merge this idea (a duplicate) into ``into``: its supports carry over, each device once."""

    into: uuid.UUID


class StaffStep(msgspec.Struct):
    """A history row as staff see it: who changed it and the answer in every language."""

    status: IdeaStatus
    answer: LocalizedText | None
    changed_by: uuid.UUID | None
    at: dt.datetime


class IdeaStaffOut(msgspec.Struct):
    """An idea as moderators see it: everything but the submitting device."""

    id: uuid.UUID
    title: str
    description: str
    language: str
    topic: str
    district: str
    place: IdeaPlace | None
    moderation: Moderation
    decline_reason: str | None
    status: IdeaStatus
    answer: LocalizedText | None
    supporters: int
    merged_into: uuid.UUID | None
    created_at: dt.datetime
    moderated_at: dt.datetime | None
    published_at: dt.datetime | None
    updated_at: dt.datetime
    photos: list[PhotoOut]


def idea_staff_out(row: Idea, photos: Sequence[Photo] = ()) -> IdeaStaffOut:
    """The staff view of a row."""
    return IdeaStaffOut(
        id=row.id,
        title=row.title,
        description=row.description,
        language=row.language,
        topic=row.topic,
        district=row.district,
        place=place_of(row),
        moderation=row.moderation,
        decline_reason=row.decline_reason,
        status=row.status,
        answer=row.answer,
        supporters=row.supporters,
        merged_into=row.merged_into_id,
        created_at=row.created_at,
        moderated_at=row.moderated_at,
        published_at=row.published_at,
        updated_at=row.updated_at,
        photos=[photo_out(p) for p in photos],
    )


def staff_step(row: StatusChange) -> StaffStep:
    """A history row for staff."""
    return StaffStep(status=row.status, answer=row.answer, changed_by=row.changed_by, at=row.created_at)
