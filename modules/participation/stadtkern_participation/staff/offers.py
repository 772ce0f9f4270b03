"""Editors create, edit and move offers along draft -> published -> closed -> results_published.
Publishing notifies subscribers by push."""

from __future__ import annotations

import uuid

from litestar import Response, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.api import Invalid, ModuleContext, RequestContext, check_texts, check_years, created_resource, require_editor
from stadtkern_participation.lists import check_names
from stadtkern_participation.schemas.offers import OfferIn, OfferStaffOut, StatusIn, offer_staff_out
from stadtkern_participation.services.methods import check_method
from stadtkern_participation.services.offers import add_offer, apply_offer, get_offer, remove_offer, set_offer_status
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


async def _check_offer(ctx: ModuleContext[ParticipationSettings], data: OfferIn) -> None:
    settings = ctx.settings
    check_years(starts_at=data.starts_at, ends_at=data.ends_at)
    check_texts(
        ctx.tenant,
        **{
            "body.title": data.title,
            "body.summary": data.summary,
            "body.description": data.description,
            "body.accessibility": data.accessibility,
        },
    )
    if data.starts_at and data.ends_at and data.ends_at < data.starts_at:
        raise Invalid("body.ends_at", "must not be before starts_at")
    check_names(data.topics, settings.topics, "body.topics")
    check_names(data.districts, settings.districts, "body.districts")
    await check_method(ctx.session, data.method_id, "body.method_id")


@get(
    "/offers/{offer_id:uuid}/edit",
    guards=[require_editor],
    summary="One offer with its texts in both languages, drafts included, for editing (editors)",
)
async def edit_offer(offer_id: FromPath[uuid.UUID], ctx: Ctx) -> OfferStaffOut:
    """Drafts included."""
    return offer_staff_out(await get_offer(ctx.session, offer_id, staff=True))


@post(
    "/offers",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Create an offer as draft (editors)",
    opt=created_resource("/participation/offers/{id}/edit"),
)
async def create_offer(data: JSONBody[OfferIn], ctx: Ctx) -> OfferStaffOut:
    """Topics and districts must be ones the city configured (if it configured any)."""
    await _check_offer(ctx, data)
    return offer_staff_out(await add_offer(ctx.session, data))


@put("/offers/{offer_id:uuid}", guards=[require_editor], summary="Replace an offer's content (editors)")
async def update_offer(offer_id: FromPath[uuid.UUID], data: JSONBody[OfferIn], ctx: Ctx) -> OfferStaffOut:
    """In any status; the status itself changes only through ``…/status``."""
    row = await get_offer(ctx.session, offer_id, staff=True)
    await _check_offer(ctx, data)
    apply_offer(row, data)
    await ctx.session.flush()
    return offer_staff_out(row)


@post(
    "/offers/{offer_id:uuid}/status",
    guards=[require_editor],
    status_code=200,
    summary="Move an offer along its status flow",
)
async def change_offer_status(offer_id: FromPath[uuid.UUID], data: JSONBody[StatusIn], ctx: Ctx) -> OfferStaffOut:
    """A step the flow does not allow is a 409."""
    row = await get_offer(ctx.session, offer_id, staff=True)
    await set_offer_status(ctx.session, ctx.push, row, data.status)
    return offer_staff_out(row)


@delete(
    "/offers/{offer_id:uuid}",
    guards=[require_editor],
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete an offer (editors); apps learn it through ?since=",
)
async def delete_offer(offer_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[None]:
    """A tombstone stays for delta sync."""
    await remove_offer(ctx.session, await get_offer(ctx.session, offer_id, staff=True))
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [edit_offer, create_offer, update_offer, change_offer_status, delete_offer]
