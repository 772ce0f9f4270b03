"""Photos of ideas: a pending idea's submitter adds them; deleting an idea or a device deletes them."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Conflict, Invalid, NotFound
from stadtkern_ideas.imaging import VARIANTS, NotAPhoto, encode
from stadtkern_ideas.models import Idea, Photo
from stadtkern_ideas.storage import PhotoStore

JPEG = "image/jpeg"


def photo_key(tenant: str, photo_id: uuid.UUID, variant: str) -> str:
    """Where a variant lives in the store."""
    return f"{tenant}/{photo_id}/{variant}.jpg"


async def add_photo(
    session: AsyncSession, store: PhotoStore, idea: Idea, data: bytes, *, max_photos: int, max_bytes: int
) -> Photo:
    """Re-encode an upload and store its variants; the row only once every file is written."""
    if idea.moderation != "pending":
        raise Conflict(detail="photos are added while the idea waits for moderation")
    count = await session.scalar(select(func.count()).select_from(Photo).where(Photo.idea_id == idea.id))
    if (count or 0) >= max_photos:
        raise Conflict(detail=f"an idea has at most {max_photos} photos")
    if len(data) > max_bytes:
        raise Invalid("body", f"a photo may have at most {max_bytes} bytes")
    try:
        variants = encode(data)
    except NotAPhoto as exc:
        raise Invalid("body", str(exc)) from None
    photo = Photo(id=uuid.uuid4(), idea_id=idea.id, variants={}, bytes_stored=0)
    for variant in variants:
        await store.put(photo_key(idea.tenant_id, photo.id, variant.name), variant.data, JPEG)
    photo.variants = {v.name: [v.width, v.height] for v in variants}
    photo.bytes_stored = sum(len(v.data) for v in variants)
    session.add(photo)
    await session.flush()
    return photo


async def photos_of(session: AsyncSession, idea_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Photo]]:
    """The photos of these ideas, in upload order."""
    found: dict[uuid.UUID, list[Photo]] = {i: [] for i in idea_ids}
    if idea_ids:
        stmt = select(Photo).where(Photo.idea_id.in_(idea_ids)).order_by(Photo.created_at, Photo.id)
        for photo in await session.scalars(stmt):
            found[photo.idea_id].append(photo)
    return found


async def get_photo(session: AsyncSession, photo_id: uuid.UUID, variant: str | None = None) -> Photo:
    """A photo of the city (with that variant, if one is named); 404 otherwise."""
    row = await session.get(Photo, photo_id)
    if row is None or (variant is not None and variant not in row.variants):
        raise NotFound(detail="photo not found")
    return row


async def delete_photos(session: AsyncSession, store: PhotoStore, idea_ids: list[uuid.UUID]) -> None:
    """Delete the photos of these ideas: the files first, then the rows."""
    photos = [p for group in (await photos_of(session, idea_ids)).values() for p in group]
    if not photos:
        return
    await store.delete([photo_key(p.tenant_id, p.id, v) for p in photos for v in VARIANTS])
    await session.execute(
        delete(Photo).where(Photo.id.in_([p.id for p in photos])), execution_options={"synchronize_session": False}
    )
