"""The dialogue on the wire: threads, comments under a pseudonym, reports, moderation."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from schemas import ShortText
from stadtkern_ideas.models import CommentState

CommentBody = Annotated[str, msgspec.Meta(min_length=2, max_length=2000)]
# Letters of any script, digits, spaces and a few marks; no @ or URLs: a name for one thread, not a contact.
Pseudonym = Annotated[str, msgspec.Meta(min_length=2, max_length=40, pattern=r"^[\w][\w .\-']*[\w.]$")]
Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=1000)]
Mode = Literal["off", "pre", "post"]
ReportReason = Literal["spam", "abuse", "personal_data", "off_topic", "other"]
CommentAction = Literal["approve", "reject", "hide", "restore"]
ThreadAction = Literal["lock", "unlock"]


class CommentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A resident's comment; the first in a thread names the pseudonym the device uses there."""

    body: CommentBody
    pseudonym: Pseudonym | None = None


class OfficialIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The city's answer in a thread, shown as the city's (never with the staff member's name)."""

    body: CommentBody


class ReportIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Why a resident reports a comment."""

    reason: ReportReason
    note: ShortText | None = None


class ThreadIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Staff open a thread in pre- or post-moderation, or close it (``off``)."""

    mode: Mode
    reason: Reason | None = None


class LockIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Lock a thread (read-only) or unlock it; the log keeps the reason."""

    action: ThreadAction
    reason: Reason | None = None


class ModerationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A moderator's decision on a comment and its reason, which the log keeps (approve may go without)."""

    action: CommentAction
    reason: Reason | None = None


class ThreadOut(msgspec.Struct):
    """A thread's state for the caller: whether it is open, how it is moderated, the caller's name there."""

    mode: Mode
    locked: bool
    my_pseudonym: str | None


class CommentOut(msgspec.Struct):
    """A comment as residents see it: a pseudonym, or the city's name for its answers."""

    id: uuid.UUID
    author: str
    official: bool
    body: str
    # "pending" only for the caller's own comments that wait for a moderator.
    state: CommentState
    mine: bool
    created_at: dt.datetime


class CommentStaffOut(msgspec.Struct):
    """A comment as moderators see it."""

    id: uuid.UUID
    thread_id: uuid.UUID
    subject: str
    subject_id: uuid.UUID
    author: str
    official: bool
    body: str
    state: CommentState
    reports: int
    created_at: dt.datetime


class LogEntryOut(msgspec.Struct):
    """One line of a thread's moderation log."""

    action: str
    comment_id: uuid.UUID | None
    reason: str | None
    staff_id: uuid.UUID | None
    at: dt.datetime
