"""What the Ideenpool holds about one device, as its export shows it."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from stadtkern_ideas.models import CommentState
from stadtkern_ideas.schemas.ideas import MyIdea


class MyComment(msgspec.Struct):
    """One of the device's comments, with the pseudonym it used in that thread."""

    id: uuid.UUID
    subject: str
    subject_id: uuid.UUID
    pseudonym: str
    body: str
    state: CommentState
    created_at: dt.datetime


class MyReport(msgspec.Struct):
    """A report the device made."""

    comment_id: uuid.UUID
    reason: str
    note: str | None
    created_at: dt.datetime


class IdeasDeviceExport(msgspec.Struct):
    """The device's ideas (every state, with moderation's reason, with their photos), supports, comments, reports."""

    ideas: list[MyIdea]
    # Known only by recomputing the keyed marker; the support rows name no device in the clear.
    supported_ideas: list[uuid.UUID]
    comments: list[MyComment]
    reports: list[MyReport]
