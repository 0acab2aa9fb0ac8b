"""Hostile and odd images at the size limits: bounded, recorded, never a crash (issue 17)."""

from __future__ import annotations

import struct
import zlib

from PIL import Image

from comity.evidence.groups import MIN_PDQ_QUALITY
from comity.evidence.hashes import HashLimits, ObjectHash, hash_object
from tests.evidence.pictures import encode


def _pdq(body: bytes, content_type: str = "image/png") -> ObjectHash:
    return next(
        h
        for h in hash_object("http://x/i", content_type, body, HashLimits())
        if h.algorithm == "pdq"
    )


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height RGB pixels and carries a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_a_50000_by_50000_pixel_image_is_refused_from_its_header() -> None:
    # 2.5 billion pixels (7.5 GB decoded) in a few hundred bytes: Pillow's own
    # bomb check refuses it at open, before our 40-Mpx check would.
    found = _pdq(_png_header(50_000, 50_000))
    assert found.value is None and found.reason is not None
    assert found.reason.startswith("decompression bomb:") and "2500000000 pixels" in found.reason


def test_an_image_between_our_limit_and_pillows_is_refused_by_ours() -> None:
    found = _pdq(_png_header(10_000, 5_000))  # 50 Mpx: Pillow would decode it
    assert found.reason == "image of 10000x5000 pixels exceeds 40000000 pixels"


def test_a_50000_pixel_wide_strip_is_hashed_but_too_flat_to_link_anything() -> None:
    strip = Image.new("RGB", (50_000, 1), (200, 10, 10))
    for x in range(0, 50_000, 50):
        strip.putpixel((x, 0), (0, 0, 0))
    found = _pdq(encode(strip, "PNG"))
    assert found.value is not None and found.reason is None
    assert (found.quality or 0) < MIN_PDQ_QUALITY  # content groups ignore it


def test_a_png_whose_data_stops_short_of_its_header_is_unhashable_with_the_reason() -> None:
    found = _pdq(_png_header(600, 400))  # 64 bytes of pixel data for 720,000 expected
    assert found.value is None and found.reason is not None
    assert found.reason.startswith("corrupt image:")


def test_a_jpeg_declared_as_png_and_random_bytes_as_an_image_are_handled() -> None:
    jpeg = encode(Image.new("RGB", (64, 64), (1, 2, 3)), quality=80)
    assert _pdq(jpeg, "image/png").value is not None  # sniffed by content, not the header
    noise = _pdq(b"\xff\xd8\xff" + bytes(range(256)) * 4, "image/jpeg")
    assert noise.value is None and noise.reason is not None
