"""The demo internet's one picture, and its re-upload (issue 17).

A synthetic poster drawn here (shapes and the words "COMITY DEMO"; no real
material), served at `ORIGINAL`, and the same poster resized to two thirds
and re-compressed harder at `REUPLOAD`: the slightly altered copy a re-upload
is, with different bytes and a PDQ hash a few bits away.
"""

from __future__ import annotations

import io
import random
from functools import cache

from PIL import Image, ImageDraw, ImageFilter

__all__ = ["ORIGINAL", "REUPLOAD", "media"]

ORIGINAL = "/media/poster.jpg"
REUPLOAD = "/media/poster-copy.jpg"


@cache
def _poster() -> Image.Image:
    rng = random.Random(17)  # fixed: every demo run serves the same bytes
    image = Image.new("RGB", (640, 480), (30, 34, 48))
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x0, y0 = rng.randrange(640), rng.randrange(480)
        box = (x0, y0, x0 + rng.randrange(30, 320), y0 + rng.randrange(30, 240))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    draw.rectangle((0, 420, 640, 480), fill=(0, 0, 0))
    draw.text((20, 440), "COMITY DEMO - synthetic picture, not real material", fill="white")
    return image.filter(ImageFilter.GaussianBlur(1))


@cache
def media(path: str) -> bytes | None:
    """The JPEG bytes the demo serves at `path`, or None (not a demo picture)."""
    if path == ORIGINAL:
        image, quality = _poster(), 90
    elif path == REUPLOAD:
        image, quality = _poster().resize((427, 320), Image.Resampling.LANCZOS), 55
    else:
        return None
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()
