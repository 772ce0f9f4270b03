"""Editors write the Instrumentenkoffer: create, replace and delete method cards."""

from __future__ import annotations

import uuid

from litestar import Response, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.api import Invalid, ModuleContext, RequestContext, check_texts, created_resource, require_editor
from stadtkern_participation.schemas.methods import MethodIn, MethodStaffOut, method_staff_out
from stadtkern_participation.services.methods import add_method, apply_method, check_offers, get_method, remove_method
from stadtkern_participation.settings import ParticipationSettings

Ctx = RequestContext[ParticipationSettings]


async def _check_method(ctx: ModuleContext[ParticipationSettings], data: MethodIn) -> None:
    texts = {
        "body.name": data.name,
        "body.summary": data.summary,
        "body.when_to_use": data.when_to_use,
        "body.duration_note": data.duration_note,
        "body.accessibility_note": data.accessibility_note,
        "body.needs": data.needs,
        **{f"body.steps[{i}]": step for i, step in enumerate(data.steps)},
        **{f"body.templates[{i}].title": t.title for i, t in enumerate(data.templates)},
        **{f"body.examples[{i}].text": e.text for i, e in enumerate(data.examples)},
    }
    check_texts(ctx.tenant, **texts)
    if data.group_min is not None and data.group_max is not None and data.group_max < data.group_min:
        raise Invalid("body.group_max", "must not be below group_min")
    await check_offers(ctx.session, data)


@get(
    "/methods/{method_id:uuid}/edit",
    guards=[require_editor],
    summary="One method card with its texts in every language, for editing (editors)",
)
async def edit_method(method_id: FromPath[uuid.UUID], ctx: Ctx) -> MethodStaffOut:
    """As ``PUT`` takes it back."""
    return method_staff_out(await get_method(ctx.session, method_id))


@post(
    "/methods",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Add a method card (editors)",
    opt=created_resource("/participation/methods/{id}/edit"),
)
async def create_method(data: JSONBody[MethodIn], ctx: Ctx) -> MethodStaffOut:
    """An example's offer must be one of the city's."""
    await _check_method(ctx, data)
    return method_staff_out(await add_method(ctx.session, data, ctx.tenant.locales[0]))


@put("/methods/{method_id:uuid}", guards=[require_editor], summary="Replace a method card's content (editors)")
async def update_method(method_id: FromPath[uuid.UUID], data: JSONBody[MethodIn], ctx: Ctx) -> MethodStaffOut:
    """The whole card; lists (steps, templates, examples) are replaced in the order sent."""
    row = await get_method(ctx.session, method_id)
    await _check_method(ctx, data)
    apply_method(row, data, ctx.tenant.locales[0])
    await ctx.session.flush()
    return method_staff_out(row)


@delete(
    "/methods/{method_id:uuid}",
    guards=[require_editor],
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete a method card (editors); offers that named it name none, apps learn it through ?since=",
)
async def delete_method(method_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[None]:
    """A tombstone stays for delta sync."""
    await remove_method(ctx.session, await get_method(ctx.session, method_id))
    return Response(None, status_code=HTTP_204_NO_CONTENT)


route_handlers = [edit_method, create_method, update_method, delete_method]
