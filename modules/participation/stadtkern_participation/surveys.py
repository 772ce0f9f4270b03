"""Surveys: editors define and publish them; a device answers once, anonymously; results by visibility."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import msgspec
from litestar import Response, get, post, put
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import (
    DEFAULT_LIMIT,
    Audience,
    Conflict,
    DeviceUser,
    Invalid,
    ModuleContext,
    NotFound,
    Notification,
    check_texts,
    check_years,
    insert_for,
    paginate,
    pick,
    require_device,
    require_editor,
    utcnow,
)
from schemas import LocalizedText, Page
from stadtkern_participation.common import (
    LANGUAGE_HEADERS,
    check_names,
    is_staff,
    join_list,
    localized,
    marker_for,
    split_list,
    text_of,
)
from stadtkern_participation.models import (
    TRANSITIONS,
    Marker,
    Offer,
    ResultSubscription,
    Survey,
)
from stadtkern_participation.models import (
    Response as ResponseRow,
)
from stadtkern_participation.offers import Ctx, StatusIn, notify_new
from stadtkern_participation.questions import (
    Question,
    QuestionOut,
    check_definition,
    csv_cell,
    question_out,
    question_texts,
    tally,
    validate_answers,
)
from stadtkern_participation.settings import ParticipationSettings

Visibility = Literal["live", "after_close", "staff_only"]
TOPIC_RESULTS = "participation.results"


class SurveyIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: LocalizedText
    intro: LocalizedText | None = None
    offer_id: uuid.UUID | None = None
    questions: Annotated[list[Question], msgspec.Meta(min_length=1, max_length=100)]
    opens_at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    closes_at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    # Districts the survey is about (push audience); eligibility is separate.
    districts: list[str] = []
    eligible_districts: list[str] = []
    min_age: Annotated[int, msgspec.Meta(ge=0, le=120)] | None = None
    results_visibility: Visibility = "after_close"


class SurveyOut(msgspec.Struct, omit_defaults=True):
    """A survey as residents see it: title, intro and questions in the caller's language."""

    id: uuid.UUID
    status: str
    title: str
    questions: list[QuestionOut]
    results_visibility: str
    updated_at: dt.datetime
    districts: list[str] = []
    eligible_districts: list[str] = []
    intro: str | None = None
    offer_id: uuid.UUID | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    min_age: int | None = None
    open_now: bool = False


class SurveyStaffOut(msgspec.Struct, omit_defaults=True):
    """A survey as editors edit it: every text in both languages, as ``SurveyIn`` takes them."""

    id: uuid.UUID
    status: str
    title: LocalizedText
    questions: list[Question]
    results_visibility: str
    updated_at: dt.datetime
    districts: list[str] = []
    eligible_districts: list[str] = []
    intro: LocalizedText | None = None
    offer_id: uuid.UUID | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    min_age: int | None = None
    open_now: bool = False


class SubmissionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    answers: dict[str, Any]
    # Self-declared, checked against the survey's eligibility, never stored.
    district: str | None = None
    age: Annotated[int, msgspec.Meta(ge=0, le=130)] | None = None
    # Opt in to one push when results are published (kept apart from the answers).
    notify_results: bool = False


class SubmissionOut(msgspec.Struct):
    accepted: bool
    submitted_on: dt.date


def questions_of(row: Survey) -> list[Question]:
    return msgspec.convert(row.questions, list[Question])


def is_open(row: Survey, now: dt.datetime) -> bool:
    return (
        row.status == "published"
        and (row.opens_at is None or row.opens_at <= now)
        and (row.closes_at is None or now < row.closes_at)
    )


def survey_out(row: Survey, locales: Sequence[str]) -> SurveyOut:
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
    )


def survey_staff_out(row: Survey) -> SurveyStaffOut:
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
    )


async def _get(ctx: ModuleContext[ParticipationSettings], survey_id: uuid.UUID, *, staff: bool) -> Survey:
    row = await ctx.repository(Survey).get_one_or_none(id=survey_id)
    if row is None or (row.status == "draft" and not staff):
        raise NotFound(detail="survey not found")
    return row


async def _apply(ctx: ModuleContext[ParticipationSettings], row: Survey, data: SurveyIn) -> Survey:
    check_definition(data.questions)
    check_years(opens_at=data.opens_at, closes_at=data.closes_at)
    check_texts(ctx.tenant, **{"body.title": data.title, "body.intro": data.intro, **question_texts(data.questions)})
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise Invalid("body.closes_at", "must be after opens_at")
    if data.offer_id is not None and await ctx.repository(Offer).get_one_or_none(id=data.offer_id) is None:
        raise Invalid("body.offer_id", "no such offer in this city")
    row.title = msgspec.to_builtins(data.title)
    row.intro = None if data.intro is None else msgspec.to_builtins(data.intro)
    row.offer_id = data.offer_id
    row.questions = msgspec.to_builtins(data.questions)
    row.opens_at = data.opens_at
    row.closes_at = data.closes_at
    row.districts = join_list(check_names(data.districts, ctx.settings.districts, "body.districts"))
    row.eligible_districts = check_names(data.eligible_districts, ctx.settings.districts, "body.eligible_districts")
    row.min_age = data.min_age
    row.results_visibility = data.results_visibility
    return row


@get(
    "/surveys",
    summary="Published surveys of the city in the caller's language (Accept-Language); editors: ?drafts=true for all",
    response_headers=LANGUAGE_HEADERS,
)
async def list_surveys(
    ctx: Ctx,
    offer_id: FromQuery[uuid.UUID | None] = None,
    drafts: FromQuery[bool] = False,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Response[Page[SurveyOut]]:
    if drafts and not is_staff(ctx):
        raise Invalid("query.drafts", "only the city's editors see drafts")
    stmt = select(Survey)
    if not drafts:
        stmt = stmt.where(Survey.status != "draft")
    if offer_id is not None:
        stmt = stmt.where(Survey.offer_id == offer_id)
    rows, next_cursor = await paginate(ctx.session, stmt, [Survey.id], cursor=cursor, limit=limit, descending=True)
    return localized(Page(items=[survey_out(r, ctx.locales) for r in rows], next_cursor=next_cursor), ctx.locales)


@get(
    "/surveys/{survey_id:uuid}",
    summary="One survey with its questions in the caller's language (Accept-Language)",
    response_headers=LANGUAGE_HEADERS,
)
async def show_survey(survey_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[SurveyOut]:
    return localized(survey_out(await _get(ctx, survey_id, staff=is_staff(ctx)), ctx.locales), ctx.locales)


@get(
    "/surveys/{survey_id:uuid}/edit",
    guards=[require_editor],
    summary="One survey with its texts in both languages, drafts included, for editing (editors)",
)
async def edit_survey(survey_id: FromPath[uuid.UUID], ctx: Ctx) -> SurveyStaffOut:
    return survey_staff_out(await _get(ctx, survey_id, staff=True))


@post("/surveys", guards=[require_editor], status_code=HTTP_201_CREATED, summary="Create a survey as draft (editors)")
async def create_survey(data: JSONBody[SurveyIn], ctx: Ctx) -> SurveyStaffOut:
    row = await _apply(ctx, Survey(status="draft"), data)
    row = await ctx.repository(Survey).add(row)
    await ctx.session.flush()
    return survey_staff_out(row)


@put("/surveys/{survey_id:uuid}", guards=[require_editor], summary="Replace a draft survey (editors)")
async def update_survey(survey_id: FromPath[uuid.UUID], data: JSONBody[SurveyIn], ctx: Ctx) -> SurveyStaffOut:
    row = await _get(ctx, survey_id, staff=True)
    if row.status != "draft":
        raise Conflict(detail="only a draft survey can be changed; answers would no longer match")
    await _apply(ctx, row, data)
    await ctx.session.flush()
    return survey_staff_out(row)


@post(
    "/surveys/{survey_id:uuid}/status",
    guards=[require_editor],
    status_code=200,
    summary="Move a survey along its status flow",
)
async def change_survey_status(survey_id: FromPath[uuid.UUID], data: JSONBody[StatusIn], ctx: Ctx) -> SurveyStaffOut:
    row = await _get(ctx, survey_id, staff=True)
    if data.status not in TRANSITIONS[row.status]:
        raise Conflict(detail=f"a survey in status {row.status!r} cannot become {data.status!r}")
    row.status = data.status
    if data.status == "published":
        await notify_new(
            ctx,
            title=row.title,
            deep_link=f"stadtkern://participation/surveys/{row.id}",
            districts=split_list(row.districts),
            topics=[],
            kind_de="Neue Umfrage",
            kind_en="New survey",
        )
    elif data.status == "results_published":
        subs = list(await ctx.session.scalars(select(ResultSubscription).where(ResultSubscription.survey_id == row.id)))
        if subs:
            await ctx.push.notify(
                Notification(
                    topic=TOPIC_RESULTS,
                    title=LocalizedText(de="Ergebnisse veröffentlicht", en="Results published"),
                    body=msgspec.convert(row.title, LocalizedText),
                    deep_link=f"stadtkern://participation/surveys/{row.id}/results",
                    # sorted: the rows' order could be the order in which the devices answered
                    audience=Audience(device_ids=tuple(sorted(s.device_id for s in subs))),
                )
            )
            for sub in subs:
                await ctx.session.delete(sub)
    await ctx.session.flush()
    return survey_staff_out(row)


def _check_eligibility(row: Survey, data: SubmissionIn) -> None:
    if row.eligible_districts:
        if data.district is None:
            raise Invalid("body.district", "this survey asks for your district")
        if data.district not in row.eligible_districts:
            raise PermissionDeniedException(detail="this survey is for residents of other districts")
    if row.min_age is not None:
        if data.age is None:
            raise Invalid("body.age", "this survey asks for your age")
        if data.age < row.min_age:
            raise PermissionDeniedException(detail=f"this survey is for residents aged {row.min_age} or over")


async def _mark_answered(session: AsyncSession, survey_id: uuid.UUID, marker: str) -> bool:
    """Insert the marker unless this survey has it already; False if it had (one round trip).

    The unique constraint decides, also when two submissions from one device race: PostgreSQL's
    ``ON CONFLICT DO NOTHING`` waits for the other transaction and inserts nothing if it committed.
    """
    stmt = (
        insert_for(session, Marker)
        .values(id=uuid.uuid4(), survey_id=survey_id, marker=marker)
        .on_conflict_do_nothing(index_elements=[Marker.survey_id, Marker.marker])
        .returning(Marker.id)
    )
    return (await session.execute(stmt)).first() is not None


@post(
    "/surveys/{survey_id:uuid}/responses",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    summary="Answer a survey, once per device and anonymously",
)
async def submit_response(survey_id: FromPath[uuid.UUID], data: JSONBody[SubmissionIn], ctx: Ctx) -> SubmissionOut:
    user = ctx.user
    assert isinstance(user, DeviceUser)
    row = await _get(ctx, survey_id, staff=False)
    if not is_open(row, utcnow()):
        raise Conflict(detail="this survey is not open for answers")
    _check_eligibility(row, data)
    validate_answers(questions_of(row), data.answers)
    session = ctx.session
    if not await _mark_answered(session, row.id, marker_for(ctx.keys, row.id, user.device_id)):
        raise Conflict(detail="this device has already answered this survey")
    today = dt.datetime.now(ctx.tenant.time_zone).date()
    answers = {q.id: data.answers[q.id] for q in questions_of(row) if data.answers.get(q.id) is not None}
    session.add(ResponseRow(id=uuid.uuid4(), survey_id=row.id, submitted_on=today, answers=answers))
    if data.notify_results:
        session.add(ResultSubscription(survey_id=row.id, device_id=user.device_id))
    await session.flush()
    return SubmissionOut(accepted=True, submitted_on=today)


def _may_see_results(row: Survey, staff: bool) -> bool:
    if staff:
        return True
    if row.results_visibility == "live":
        return row.status != "draft"
    if row.results_visibility == "after_close":
        return row.status in ("closed", "results_published")
    return False


@get("/surveys/{survey_id:uuid}/results", summary="Aggregated results (free text for editors only)")
async def survey_results(survey_id: FromPath[uuid.UUID], ctx: Ctx) -> dict[str, Any]:
    staff = is_staff(ctx)
    row = await _get(ctx, survey_id, staff=staff)
    if not _may_see_results(row, staff):
        raise PermissionDeniedException(detail="results of this survey are not public (yet)")
    answers = await ctx.session.scalars(select(ResponseRow.answers).where(ResponseRow.survey_id == row.id))
    result = tally(questions_of(row), answers, with_text=staff)
    result["survey_id"] = str(row.id)
    result["status"] = row.status
    return result


@get(
    "/surveys/{survey_id:uuid}/responses.csv",
    guards=[require_editor],
    media_type="text/csv; charset=utf-8",
    summary="All responses as CSV, one row per response, no identifying columns (editors)",
)
async def export_csv(survey_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[bytes]:
    row = await _get(ctx, survey_id, staff=True)
    questions = questions_of(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([q.id for q in questions])
    # Ordered by the random id: the order says nothing about when or by whom.
    stmt = select(ResponseRow.answers).where(ResponseRow.survey_id == row.id).order_by(ResponseRow.id)
    for answers in await ctx.session.scalars(stmt):
        writer.writerow([csv_cell(q, answers.get(q.id)) for q in questions])
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="survey-{row.id}.csv"'},
    )


route_handlers = [
    list_surveys,
    show_survey,
    edit_survey,
    create_survey,
    update_survey,
    change_survey_status,
    submit_response,
    survey_results,
    export_csv,
]
