"""Test pictures drawn with Pillow, and their altered copies (no files shipped)."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw, ImageFilter

__all__ = ["bomb_png", "encode", "picture"]


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A busy scene of shapes and colours; different seeds give unrelated pictures."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(40):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = x0 + rng.randrange(20, width // 2), y0 + rng.randrange(20, height // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x0, y0, x1, y1), fill=colour)
    return image.filter(ImageFilter.GaussianBlur(1))


def encode(image: Image.Image, fmt: str = "JPEG", **options: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def bomb_png(side: int = 10_000) -> bytes:
    """A valid greyscale PNG of side x side black pixels: ~100 kB that inflate to side² bytes."""
    packer = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte + pixels
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )
