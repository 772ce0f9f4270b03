"""A submitter adds photos to a pending idea; everyone fetches the public ones, cacheable for a day."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_201_CREATED

from core.api import NotFound, RequestContext, StaffUser, created_resource, require_device
from stadtkern_ideas.controllers.common import device_of, the_device
from stadtkern_ideas.models import Photo
from stadtkern_ideas.schemas.photos import PhotoOut, photo_out
from stadtkern_ideas.services.ideas import get_idea
from stadtkern_ideas.services.photos import JPEG, add_photo, get_photo, photo_key
from stadtkern_ideas.settings import IdeasSettings
from stadtkern_ideas.storage import store_for

Ctx = RequestContext[IdeasSettings]
# The largest upload any city may allow (IdeasSettings.photo_max_bytes is at most this).
UPLOAD_LIMIT = 8_388_608
Variant = Literal["large", "medium", "thumb"]
# A photo id names one picture whose bytes never change, so shared caches need not revalidate it;
# but moderators can take an idea down (a face, an address in the picture), and its photos must
# then leave those caches within a day, not a year.
PUBLIC_PICTURE = "public, max-age=86400, immutable"
# The description says who may see the pictures, which changes with the idea's moderation:
# revalidated on every use (a 304 through the core's ETag costs the app almost nothing).
PUBLIC_DESCRIPTION = "public, no-cache"


@post(
    "/ideas/{idea_id:uuid}/photos",
    guards=[require_device],
    status_code=HTTP_201_CREATED,
    request_max_body_size=UPLOAD_LIMIT,
    summary="Add a photo to one's pending idea (raw JPEG, PNG or WebP body); stored re-encoded, without metadata",
    opt=created_resource("/ideas/photos/{id}"),
)
async def upload_photo(idea_id: FromPath[uuid.UUID], request: Request, ctx: Ctx) -> PhotoOut:  # type: ignore[type-arg]
    """The content decides the type (the Content-Type header is not trusted); EXIF, GPS included, never stays."""
    idea = await get_idea(ctx.session, idea_id)
    if idea.device_id != the_device(ctx).device_id:
        raise NotFound(detail="idea not found")
    data = await request.body()
    settings = ctx.settings
    row = await add_photo(
        ctx.session,
        store_for(settings),
        idea,
        data,
        max_photos=settings.photos_per_idea,
        max_bytes=settings.photo_max_bytes,
    )
    return photo_out(row)


@get(
    "/photos/{photo_id:uuid}",
    summary="A photo of an idea: its sizes and where each is fetched (public ones, or for its submitter)",
)
async def describe_photo(photo_id: FromPath[uuid.UUID], ctx: Ctx) -> Response[PhotoOut]:
    """Who may see its pictures (``/photos/{photo_id}/{variant}``) may read this; anyone else gets a 404."""
    row, public = await _readable_photo(ctx, photo_id)
    return Response(photo_out(row), headers={"Cache-Control": PUBLIC_DESCRIPTION if public else "private, no-store"})


@get(
    "/photos/{photo_id:uuid}/{variant:str}",
    summary="A photo of an idea as JPEG (large, medium or thumb); public ones are cacheable for a day",
    media_type=JPEG,
)
async def show_photo(photo_id: FromPath[uuid.UUID], variant: FromPath[Variant], ctx: Ctx) -> Response[bytes]:
    """A photo of an unpublished idea only for its submitting device and the moderators (never cached)."""
    row, public = await _readable_photo(ctx, photo_id, variant)
    data = await store_for(ctx.settings).get(photo_key(row.tenant_id, row.id, variant))
    if data is None:
        raise NotFound(detail="photo not found")
    return Response(data, media_type=JPEG, headers={"Cache-Control": PUBLIC_PICTURE if public else "private, no-store"})


async def _readable_photo(ctx: Ctx, photo_id: uuid.UUID, variant: str | None = None) -> tuple[Photo, bool]:
    """The photo if the caller may see it, and whether it is public (its idea accepted); 404 otherwise."""
    row = await get_photo(ctx.session, photo_id, variant)
    idea = await get_idea(ctx.session, row.idea_id)
    public = idea.moderation == "accepted"
    if not public and not _may_see_unpublished(ctx, idea.device_id):
        raise NotFound(detail="photo not found")
    return row, public


def _may_see_unpublished(ctx: Ctx, submitter: uuid.UUID | None) -> bool:
    """The submitting device, and the moderators who decide on the idea."""
    user = ctx.user
    if isinstance(user, StaffUser):
        return user.has_role(ctx.tenant.slug, "ideas", "moderator")
    device = device_of(ctx)
    return device is not None and device == submitter


route_handlers = [upload_photo, describe_photo, show_photo]
