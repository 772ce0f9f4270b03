"""Editors issue participation codes for a survey whose eligibility is "code"."""

from __future__ import annotations

import uuid

from litestar import post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from core.api import Conflict, RequestContext, require_editor
from stadtkern_participation.schemas.codes import CodesIn, CodesOut
from stadtkern_participation.services.codes import issue_codes
from stadtkern_participation.services.surveys import get_survey
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


@post(
    "/surveys/{survey_id:uuid}/codes",
    guards=[require_editor],
    # 200, not 201: only their hashes are kept, so the codes cannot be read again at any address.
    status_code=HTTP_200_OK,
    summary="Issue single-use participation codes for a survey with eligibility 'code'; shown once (editors)",
)
async def create_codes(survey_id: FromPath[uuid.UUID], data: JSONBody[CodesIn], ctx: Ctx) -> CodesOut:
    """409 for a survey of eligibility "device", or one that takes no more answers."""
    row = await get_survey(ctx.session, survey_id, staff=True)
    if row.eligibility != "code":
        raise Conflict(detail="this survey takes one answer per device; codes need eligibility 'code'")
    if row.status not in ("draft", "published"):
        raise Conflict(detail=f"a survey in status {row.status!r} takes no more answers")
    return CodesOut(survey_id=row.id, codes=await issue_codes(ctx.session, ctx.keys, row.id, data.count))


route_handlers = [create_codes]
