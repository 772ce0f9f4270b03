"""Editors: create, update, publish/unpublish, delete (tombstone), bulk import."""

from __future__ import annotations

import uuid

from litestar import Response, delete, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import select

from core.api import Invalid, ModuleContext, NotFound, RequestContext, check_texts, created_resource, require_editor
from stadtkern_events.controllers import upcoming
from stadtkern_events.models import Event
from stadtkern_events.schemas import EventIn, EventOut, ImportIn, ImportOut
from stadtkern_events.serializers import event_out
from stadtkern_events.services import refresh_statistics, remove_event, save_event, schedule_reminders, set_published
from stadtkern_events.settings import EventsSettings

Ctx = RequestContext[EventsSettings]
IMPORT_FEED = "import"


async def _get(ctx: ModuleContext[EventsSettings], event_id: uuid.UUID) -> Event:
    event = await ctx.repository(Event).get_one_or_none(id=event_id)
    if event is None:
        raise NotFound(detail="event not found")
    return event


def _check_texts(ctx: ModuleContext[EventsSettings], data: EventIn) -> None:
    alts = {f"body.images[{i}].alt": image.alt for i, image in enumerate(data.images)}
    for i, change in enumerate(data.changes):
        alts[f"body.changes[{i}].title"], alts[f"body.changes[{i}].description"] = change.title, change.description
    check_texts(ctx.tenant, **{"body.title": data.title, "body.description": data.description, **alts})


async def _out(ctx: ModuleContext[EventsSettings], event: Event) -> EventOut:
    await ctx.session.refresh(event)
    return event_out(event, ctx.locales, await upcoming(ctx, event))


@post(
    "/events",
    guards=[require_editor],
    status_code=HTTP_201_CREATED,
    summary="Create an event (editors)",
    opt=created_resource("/events/events/{id}"),
)
async def create_event(data: JSONBody[EventIn], ctx: Ctx) -> EventOut:
    _check_texts(ctx, data)
    event = Event()
    if data.external_id:
        event.source_feed, event.source_uid = IMPORT_FEED, data.external_id
    await save_event(
        ctx.session, ctx.push, event, data, ctx.settings, ctx.tenant.time_zone, is_new=True, locales=ctx.tenant.locales
    )
    return await _out(ctx, event)


@put(
    "/events/{event_id:uuid}",
    guards=[require_editor],
    summary="Replace an event (editors); a cancelled, postponed, rescheduled or moved event notifies favourites",
)
async def update_event(event_id: FromPath[uuid.UUID], data: JSONBody[EventIn], ctx: Ctx) -> EventOut:
    _check_texts(ctx, data)
    event = await _get(ctx, event_id)
    await save_event(
        ctx.session, ctx.push, event, data, ctx.settings, ctx.tenant.time_zone, is_new=False, locales=ctx.tenant.locales
    )
    return await _out(ctx, event)


@post("/events/{event_id:uuid}/publish", guards=[require_editor], status_code=HTTP_200_OK, summary="Publish (editors)")
async def publish_event(event_id: FromPath[uuid.UUID], ctx: Ctx) -> EventOut:
    event = await _get(ctx, event_id)
    await set_published(ctx.session, event, True)
    await schedule_reminders(ctx.session, event)
    return await _out(ctx, event)


@post(
    "/events/{event_id:uuid}/unpublish",
    guards=[require_editor],
    status_code=HTTP_200_OK,
    summary="Withdraw from the residents' view (editors); delta sync reports it as deleted",
)
async def unpublish_event(event_id: FromPath[uuid.UUID], ctx: Ctx) -> EventOut:
    event = await _get(ctx, event_id)
    await set_published(ctx.session, event, False)
    await schedule_reminders(ctx.session, event)
    return await _out(ctx, event)


@delete(
    "/events/{event_id:uuid}",
    guards=[require_editor],
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete an event (editors); apps learn it through ?since=",
)
async def delete_event(event_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[None]:
    await remove_event(ctx.session, await _get(ctx, event_id))
    return Response(None, status_code=HTTP_204_NO_CONTENT)


@post(
    "/events/import",
    guards=[require_editor],
    status_code=HTTP_200_OK,
    summary="Bulk import (editors): up to 500 events at once, all or nothing; same external_id updates",
)
async def import_events(data: JSONBody[ImportIn], ctx: Ctx) -> ImportOut:
    ids = [e.external_id for e in data.events if e.external_id]
    if len(ids) != len(set(ids)):
        raise Invalid("body.events", "external_id must be unique within one import")
    existing = {
        e.source_uid: e
        for e in (
            await ctx.session.scalars(select(Event).where(Event.source_feed == IMPORT_FEED, Event.source_uid.in_(ids)))
        ).all()
    }
    created = updated = 0
    out: list[uuid.UUID] = []
    for index, item in enumerate(data.events):
        event = existing.get(item.external_id) if item.external_id else None
        is_new = event is None
        if event is None:
            event = Event()
            if item.external_id:
                event.source_feed, event.source_uid = IMPORT_FEED, item.external_id
        try:
            _check_texts(ctx, item)
            await save_event(
                ctx.session,
                ctx.push,
                event,
                item,
                ctx.settings,
                ctx.tenant.time_zone,
                is_new=is_new,
                locales=ctx.tenant.locales,
            )
        except Invalid as exc:  # name the item: body.events[3].start
            extra = exc.extra if isinstance(exc.extra, list) else []
            raise Invalid.many(
                [(str(e["key"]).replace("body.", f"body.events[{index}].", 1), str(e["message"])) for e in extra]
                or [(f"body.events[{index}]", "invalid")]
            ) from None
        created += is_new
        updated += not is_new
        out.append(event.id)
    await ctx.session.flush()
    await refresh_statistics(ctx.session, created + updated)
    return ImportOut(created=created, updated=updated, ids=out)


staff_handlers = [create_event, update_event, publish_event, unpublish_event, delete_event, import_events]
