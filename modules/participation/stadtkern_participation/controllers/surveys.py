"""Residents read published surveys, answer one once per device and anonymously, and see results."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK

from core.api import (
    DEFAULT_LIMIT,
    Conflict,
    DeviceUser,
    Invalid,
    ModuleContext,
    RequestContext,
    require_device,
    utcnow,
)
from schemas import Page
from stadtkern_participation.controllers.languages import LANGUAGE_HEADERS, localized
from stadtkern_participation.controllers.roles import is_staff
from stadtkern_participation.models import Survey
from stadtkern_participation.questions import validate_answers
from stadtkern_participation.schemas.surveys import (
    SubmissionIn,
    SubmissionOut,
    SurveyOut,
    is_open,
    questions_of,
    survey_out,
)
from stadtkern_participation.services.codes import code_is_issued
from stadtkern_participation.services.results import may_see_results, public_results, staff_results
from stadtkern_participation.services.surveys import get_survey, record_submission, survey_page
from stadtkern_participation.settings import ParticipationSettings
from stadtkern_participation.tokens import marker_for, marker_for_code, normal_code

Ctx = RequestContext[ParticipationSettings]


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
    """Newest first, optionally of one offer."""
    if drafts and not is_staff(ctx):
        raise Invalid("query.drafts", "only the city's editors see drafts")
    rows, next_cursor = await survey_page(ctx.session, offer_id=offer_id, drafts=drafts, cursor=cursor, limit=limit)
    return localized(Page(items=[survey_out(r, ctx.locales) for r in rows], next_cursor=next_cursor), ctx.locales)


@get(
    "/surveys/{survey_id:uuid}",
    summary="One survey with its questions in the caller's language (Accept-Language)",
    response_headers=LANGUAGE_HEADERS,
)
async def show_survey(survey_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[SurveyOut]:
    """A draft only for the city's editors."""
    row = await get_survey(ctx.session, survey_id, staff=is_staff(ctx))
    return localized(survey_out(row, ctx.locales), ctx.locales)


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


@post(
    "/surveys/{survey_id:uuid}/responses",
    guards=[require_device],
    # 200, not 201: the answer is stored with no address of its own, so that nothing links it
    # back to this request (a 201 would have to say where the created answer can be read).
    status_code=HTTP_200_OK,
    summary="Answer a survey anonymously: once per device, or once per participation code (eligibility 'code')",
)
async def submit_response(survey_id: FromPath[uuid.UUID], data: JSONBody[SubmissionIn], ctx: Ctx) -> SubmissionOut:
    """A second submission from the same device (or with the same code) is a 409."""
    user = ctx.user
    assert isinstance(user, DeviceUser)
    row = await get_survey(ctx.session, survey_id, staff=False)
    if not is_open(row, utcnow()):
        raise Conflict(detail="this survey is not open for answers")
    _check_eligibility(row, data)
    validate_answers(questions_of(row), data.answers)
    marker = await _marker(ctx, row, data, user.device_id)
    today = dt.datetime.now(ctx.tenant.time_zone).date()
    if not await record_submission(ctx.session, row, data, marker=marker, device_id=user.device_id, today=today):
        if row.eligibility == "code":
            raise Conflict(detail="this participation code was used already")
        raise Conflict(detail="this device has already answered this survey")
    return SubmissionOut(accepted=True, submitted_on=today)


async def _marker(ctx: ModuleContext[ParticipationSettings], row: Survey, data: SubmissionIn, device: uuid.UUID) -> str:
    """What makes the answer the only one: the device's marker, or the redeemed code's."""
    if row.eligibility != "code":
        return marker_for(ctx.keys, row.id, device)
    code = None if data.code is None else normal_code(data.code)
    if code is None or not await code_is_issued(ctx.session, ctx.keys, row.id, code):
        raise Invalid("body.code", "this survey needs the participation code from your letter")
    return marker_for_code(ctx.keys, row.id, code)


@get(
    "/surveys/{survey_id:uuid}/results",
    summary="Aggregated results: published in steps, from a minimum number of answers (editors: exact, free text)",
)
async def survey_results(survey_id: FromPath[uuid.UUID], ctx: Ctx) -> dict[str, Any]:
    """As the survey's ``results_visibility`` allows; editors always, and exactly."""
    staff = is_staff(ctx)
    row = await get_survey(ctx.session, survey_id, staff=staff)
    if not may_see_results(row, staff):
        raise PermissionDeniedException(detail="results of this survey are not public (yet)")
    if staff:
        return await staff_results(ctx.session, row)
    return await public_results(ctx.session, row, ctx.settings)


route_handlers = [list_surveys, show_survey, submit_response, survey_results]
