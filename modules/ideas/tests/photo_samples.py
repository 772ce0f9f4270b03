"""Photos as phones send them: a JPEG with the camera's orientation and a GPS position in its EXIF."""

from __future__ import annotations

import io
import random

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 274  # 6: the camera was turned; the picture must be rotated to stand upright


def phone_photo(width: int = 3000, height: int = 2000) -> bytes:
    """A landscape-sensor JPEG taken upright, with the position of Dortmund's Friedensplatz."""
    image = Image.new("RGB", (width, height), (40, 130, 70))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "Stadtkern Phone"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 38.0), 3: "E", 4: (7.0, 28.0, 2.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=80)
    return buffer.getvalue()


def transparent_png() -> bytes:
    """A small PNG with an alpha channel."""
    image = Image.new("RGBA", (400, 300), (200, 0, 0, 128))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def noisy_jpeg(side: int = 700) -> bytes:
    """A JPEG of noise: large for its size in pixels (a few hundred KB)."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()
