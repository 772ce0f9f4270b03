"""Photos made safe: the content decides what a file is, and only a re-encoded copy is ever kept.

Re-encoding draws the pixels into a new JPEG: no EXIF (GPS, camera serial, time), no XMP, no ICC
profile, no comments, no trailing bytes survive. The camera's orientation is applied first, so the
picture stands as it was taken.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# What a resident may upload, told by the first bytes (never by the Content-Type or a file name).
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"WEBP", 8, "WEBP"),
)
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; anything larger is a decompression bomb or a poster
# The sizes the app shows (longest side in pixels); the largest is what "original" means here.
VARIANTS: dict[str, int] = {"large": 1600, "medium": 800, "thumb": 320}
QUALITY = 82


class NotAPhoto(ValueError):
    """The upload is no JPEG, PNG or WebP photo we can read (the message says why)."""


@dataclass(frozen=True, slots=True)
class Encoded:
    """One variant, re-encoded."""

    name: str
    data: bytes
    width: int
    height: int


def sniff(data: bytes) -> str:
    """The format the bytes really are; NotAPhoto for anything else."""
    for magic, offset, name in _MAGIC:
        if data[offset : offset + len(magic)] == magic and (name != "WEBP" or data[:4] == b"RIFF"):
            return name
    raise NotAPhoto("not a JPEG, PNG or WebP image")


def _open(data: bytes, expected: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=[expected])
        if image.width * image.height > MAX_PIXELS:
            raise NotAPhoto(f"the image has more than {MAX_PIXELS:,} pixels")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise NotAPhoto("the image cannot be read") from exc
    return image


def encode(data: bytes) -> list[Encoded]:
    """Every variant of an upload, re-encoded as JPEG without metadata; NotAPhoto if it is none."""
    image = _open(data, sniff(data))
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "L"):
        # transparency onto white: a JPEG has none
        canvas = Image.new("RGB", upright.size, "white")
        rgba = upright.convert("RGBA")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        upright = canvas
    out = []
    for name, side in VARIANTS.items():
        copy = upright.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        # no exif=, icc_profile= or comment=: Pillow writes none of them unless asked
        copy.save(buffer, format="JPEG", quality=QUALITY, optimize=True, progressive=True)
        out.append(Encoded(name=name, data=buffer.getvalue(), width=copy.width, height=copy.height))
    return out
