"""A device's favourites (kept on the server, so they move to a new phone) and their reminders."""

from __future__ import annotations

import uuid

from litestar import Response, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT
from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from core.api import DeviceUser, ModuleContext, NotFound, RequestContext, require_device
from stadtkern_events.models import Event, Favourite, Reminder
from stadtkern_events.schemas import FavouriteEntry, FavouriteExport, FavouriteIn, FavouriteOut, ImportResult
from stadtkern_events.services import schedule_reminders
from stadtkern_events.settings import EventsSettings

Ctx = RequestContext[EventsSettings]


def _device(ctx: ModuleContext[EventsSettings]) -> uuid.UUID:
    user = ctx.user
    assert isinstance(user, DeviceUser)  # require_device guarantees it
    return user.device_id


async def _favourites(ctx: ModuleContext[EventsSettings]) -> list[Favourite]:
    stmt = select(Favourite).where(Favourite.device_id == _device(ctx)).order_by(Favourite.created_at)
    return list((await ctx.session.scalars(stmt)).all())


async def _mark(ctx: ModuleContext[EventsSettings], event: Event, remind_minutes: int | None) -> Favourite:
    device = _device(ctx)
    fav = await ctx.session.scalar(
        select(Favourite).where(Favourite.device_id == device, Favourite.event_id == event.id)
    )
    if fav is None:
        fav = Favourite(device_id=device, event_id=event.id)
        ctx.session.add(fav)
    fav.remind_minutes = remind_minutes
    await ctx.session.flush()
    await schedule_reminders(ctx.session, event, device_id=device)
    return fav


def _out(fav: Favourite) -> FavouriteOut:
    return FavouriteOut(event_id=fav.event_id, remind_minutes=fav.remind_minutes, updated_at=fav.updated_at)


@get("/favourites", guards=[require_device], summary="This device's favourite events")
async def list_favourites(ctx: Ctx) -> list[FavouriteOut]:
    return [_out(f) for f in await _favourites(ctx)]


@put(
    "/favourites/{event_id:uuid}",
    guards=[require_device],
    summary="Mark an event as favourite, optionally with a reminder this many minutes before each date",
)
async def put_favourite(event_id: FromPath[uuid.UUID], data: JSONBody[FavouriteIn], ctx: Ctx) -> FavouriteOut:
    event = await ctx.repository(Event).get_one_or_none(id=event_id)
    if event is None or not event.published:
        raise NotFound(detail="event not found")
    return _out(await _mark(ctx, event, data.remind_minutes))


@delete(
    "/favourites/{event_id:uuid}",
    guards=[require_device],
    status_code=HTTP_204_NO_CONTENT,
    summary="Unmark a favourite (its reminders go too)",
)
async def delete_favourite(event_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[None]:
    device = _device(ctx)
    await ctx.session.execute(sql_delete(Reminder).where(Reminder.device_id == device, Reminder.event_id == event_id))
    await ctx.session.execute(
        sql_delete(Favourite).where(Favourite.device_id == device, Favourite.event_id == event_id)
    )
    return Response(None, status_code=HTTP_204_NO_CONTENT)


@get("/favourites/export", guards=[require_device], summary="Favourites as a file to take to a new phone")
async def export_favourites(ctx: Ctx) -> FavouriteExport:
    return FavouriteExport(
        favourites=[
            FavouriteEntry(event_id=f.event_id, remind_minutes=f.remind_minutes) for f in await _favourites(ctx)
        ]
    )


@post(
    "/favourites/import",
    guards=[require_device],
    status_code=HTTP_200_OK,
    summary="Merge an exported favourites file into this device's favourites",
)
async def import_favourites(data: JSONBody[FavouriteExport], ctx: Ctx) -> ImportResult:
    wanted = {f.event_id: f for f in data.favourites}
    events = {
        e.id: e
        for e in (
            await ctx.session.scalars(select(Event).where(Event.published.is_(True), Event.id.in_(list(wanted))))
        ).all()
    }
    for event_id, entry in wanted.items():
        if event_id in events:
            await _mark(ctx, events[event_id], entry.remind_minutes)
    return ImportResult(imported=len(events), unknown=[i for i in wanted if i not in events])


favourite_handlers = [list_favourites, put_favourite, delete_favourite, export_favourites, import_favourites]
