"""Surveys on the wire: definitions, residents' and editors' views, one device's submission."""

# No ``from __future__ import annotations``: SurveyOut is pinned (see openapi_names).

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

import msgspec

from core.api import pick, utcnow
from schemas import Key, LocalizedText
from stadtkern_participation.lists import split_list
from stadtkern_participation.models import Status, Survey
from stadtkern_participation.questions import Question, QuestionOut, question_out
from stadtkern_participation.schemas.openapi_names import published_in
from stadtkern_participation.schemas.texts import text_of

Visibility = Literal["live", "after_close", "staff_only"]
# "device": one answer per app install (the device marker); "code": one per participation code.
Eligibility = Literal["device", "code"]


class SurveyIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new or replaced survey, as an editor sends it."""

    title: LocalizedText
    intro: LocalizedText | None = None
    offer_id: uuid.UUID | None = None
    questions: Annotated[list[Question], msgspec.Meta(min_length=1, max_length=100)]
    opens_at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    closes_at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    # Districts the survey is about (push audience); eligibility is separate.
    districts: Annotated[list[Key], msgspec.Meta(max_length=100)] = []
    eligible_districts: Annotated[list[Key], msgspec.Meta(max_length=100)] = []
    min_age: Annotated[int, msgspec.Meta(ge=0, le=120)] | None = None
    results_visibility: Visibility = "after_close"
    eligibility: Eligibility = "device"


@published_in("stadtkern_participation.surveys")
class SurveyOut(msgspec.Struct):
    """A survey as residents see it: title, intro and questions in the caller's language."""

    id: uuid.UUID
    status: Status
    title: str
    questions: list[QuestionOut]
    results_visibility: str
    updated_at: dt.datetime
    # "device" or "code": what a submission needs (always sent: apps ask for the code by it)
    eligibility: str
    districts: list[str] = []
    eligible_districts: list[str] = []
    intro: str | None = None
    offer_id: uuid.UUID | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    min_age: int | None = None
    open_now: bool = False


class SurveyStaffOut(msgspec.Struct):
    """A survey as editors edit it: every text in both languages, as ``SurveyIn`` takes them."""

    id: uuid.UUID
    status: Status
    title: LocalizedText
    questions: list[Question]
    results_visibility: str
    updated_at: dt.datetime
    # "device" or "code": what a submission needs (always sent: apps ask for the code by it)
    eligibility: str
    districts: list[str] = []
    eligible_districts: list[str] = []
    intro: LocalizedText | None = None
    offer_id: uuid.UUID | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    min_age: int | None = None
    open_now: bool = False


# An answer's JSON type follows its question's kind; the server checks the value against the question.
Answer = Annotated[
    str | int | bool | list[str] | None,
    msgspec.Meta(
        description=(
            "By the question's kind: single_choice: an option id (string); multiple_choice and ranking: "
            "option ids (array of strings, ranking best first); free_text: text (string); rating: a whole "
            "number from 1 to the question's scale; yes_no: true or false. null or absent: not answered."
        )
    ),
]


class SubmissionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One device's answers to a survey."""

    answers: Annotated[dict[Key, Answer], msgspec.Meta(max_length=200)]
    # Self-declared, checked against the survey's eligibility, never stored.
    district: Key | None = None
    age: Annotated[int, msgspec.Meta(ge=0, le=130)] | None = None
    # Opt in to one push when results are published (kept apart from the answers).
    notify_results: bool = False
    # The participation code from the letter, for a survey with eligibility "code".
    code: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class SubmissionOut(msgspec.Struct):
    """A submission was stored, on this day (the only time the response keeps)."""

    accepted: bool
    submitted_on: dt.date


def questions_of(row: Survey) -> list[Question]:
    """The survey's stored questions as ``Question`` Structs."""
    return msgspec.convert(row.questions, list[Question])


def is_open(row: Survey, now: dt.datetime) -> bool:
    """Whether the survey takes answers at ``now``: published, and within its opening times."""
    return (
        row.status == "published"
        and (row.opens_at is None or row.opens_at <= now)
        and (row.closes_at is None or now < row.closes_at)
    )


def survey_out(row: Survey, locales: Sequence[str]) -> SurveyOut:
    """The residents' wire form of a row, its texts picked for ``locales``."""
    return SurveyOut(
        id=row.id,
        status=row.status,
        title=pick(row.title, locales),
        questions=[question_out(q, locales) for q in questions_of(row)],
        results_visibility=row.results_visibility,
        updated_at=row.updated_at,
        districts=split_list(row.districts),
        eligible_districts=list(row.eligible_districts),
        intro=pick(row.intro, locales),
        offer_id=row.offer_id,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        min_age=row.min_age,
        open_now=is_open(row, utcnow()),
        eligibility=row.eligibility,
    )


def survey_staff_out(row: Survey) -> SurveyStaffOut:
    """The editors' wire form of a row, every language of every text."""
    return SurveyStaffOut(
        id=row.id,
        status=row.status,
        title=msgspec.convert(row.title, LocalizedText),
        questions=questions_of(row),
        results_visibility=row.results_visibility,
        updated_at=row.updated_at,
        districts=split_list(row.districts),
        eligible_districts=list(row.eligible_districts),
        intro=text_of(row.intro),
        offer_id=row.offer_id,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        min_age=row.min_age,
        open_now=is_open(row, utcnow()),
        eligibility=row.eligibility,
    )
