"""Photos on the wire: what the app needs to show them."""

from __future__ import annotations

import uuid

import msgspec

from stadtkern_ideas.models import Photo


class PhotoVariant(msgspec.Struct):
    """One size of a photo: its path below the module (``/v1/{city}/ideas/...``) and its pixels."""

    name: str
    path: str
    width: int
    height: int


class PhotoOut(msgspec.Struct):
    """A photo of an idea in every size the app may show."""

    id: uuid.UUID
    variants: list[PhotoVariant]


def photo_out(row: Photo) -> PhotoOut:
    """The wire view of a photo row."""
    return PhotoOut(
        id=row.id,
        variants=[
            PhotoVariant(name=name, path=f"photos/{row.id}/{name}", width=size[0], height=size[1])
            for name, size in row.variants.items()
        ],
    )
