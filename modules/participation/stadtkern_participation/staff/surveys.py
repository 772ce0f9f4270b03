"""Editors define surveys, change drafts, move them along their status flow and export the answers."""

from __future__ import annotations

import uuid

from litestar import Response, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from core.api import (
    Conflict,
    Invalid,
    ModuleContext,
    RequestContext,
    check_texts,
    check_years,
    created_resource,
    require_editor,
)
from stadtkern_participation.lists import check_names
from stadtkern_participation.questions import check_definition, question_texts
from stadtkern_participation.schemas.offers import StatusIn
from stadtkern_participation.schemas.surveys import SurveyIn, SurveyStaffOut, survey_staff_out
from stadtkern_participation.services.surveys import (
    add_survey,
    apply_survey,
    get_survey,
    offer_exists,
    responses_csv,
    set_survey_status,
)
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


async def _check_survey(ctx: ModuleContext[ParticipationSettings], data: SurveyIn) -> None:
    check_definition(data.questions)
    check_years(opens_at=data.opens_at, closes_at=data.closes_at)
    check_texts(ctx.tenant, **{"body.title": data.title, "body.intro": data.intro, **question_texts(data.questions)})
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise Invalid("body.closes_at", "must be after opens_at")
    if data.offer_id is not None and not await offer_exists(ctx.session, data.offer_id):
        raise Invalid("body.offer_id", "no such offer in this city")
    check_names(data.districts, ctx.settings.districts, "body.districts")
    check_names(data.eligible_districts, ctx.settings.districts, "body.eligible_districts")


@get(
    "/surveys/{survey_id:uuid}/edit",
    guards=[require_editor],
    summary="One survey with its texts in both languages, drafts included, for editing (editors)",
)
async def edit_survey(survey_id: FromPath[uuid.UUID], ctx: Ctx) -> SurveyStaffOut:
    """Drafts included; the questions as ``SurveyIn`` takes them."""
    return survey_staff_out(await get_survey(ctx.session, survey_id, staff=True))


@post(
    "/surveys",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Create a survey as draft (editors)",
    opt=created_resource("/participation/surveys/{id}/edit"),
)
async def create_survey(data: JSONBody[SurveyIn], ctx: Ctx) -> SurveyStaffOut:
    """The question definitions are checked as a whole (ids, options, conditions)."""
    await _check_survey(ctx, data)
    return survey_staff_out(await add_survey(ctx.session, data))


@put("/surveys/{survey_id:uuid}", guards=[require_editor], summary="Replace a draft survey (editors)")
async def update_survey(survey_id: FromPath[uuid.UUID], data: JSONBody[SurveyIn], ctx: Ctx) -> SurveyStaffOut:
    """Only while it is a draft."""
    row = await get_survey(ctx.session, survey_id, staff=True)
    if row.status != "draft":
        raise Conflict(detail="only a draft survey can be changed; answers would no longer match")
    await _check_survey(ctx, data)
    apply_survey(row, data)
    await ctx.session.flush()
    return survey_staff_out(row)


@post(
    "/surveys/{survey_id:uuid}/status",
    guards=[require_editor],
    status_code=200,
    summary="Move a survey along its status flow",
)
async def change_survey_status(survey_id: FromPath[uuid.UUID], data: JSONBody[StatusIn], ctx: Ctx) -> SurveyStaffOut:
    """A step the flow does not allow is a 409."""
    row = await get_survey(ctx.session, survey_id, staff=True)
    await set_survey_status(ctx.session, ctx.push, row, data.status)
    return survey_staff_out(row)


@get(
    "/surveys/{survey_id:uuid}/responses.csv",
    guards=[require_editor],
    media_type="text/csv; charset=utf-8",
    summary="All responses as CSV, one row per response, no identifying columns (editors)",
)
async def export_csv(survey_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[bytes]:
    """Question columns only, rows in random-id order."""
    row = await get_survey(ctx.session, survey_id, staff=True)
    return Response(
        await responses_csv(ctx.session, row),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="survey-{row.id}.csv"'},
    )


route_handlers = [edit_survey, create_survey, update_survey, change_survey_status, export_csv]
