"""Hashes of every object in a capture's WARC: exact (SHA-256, MD5) and perceptual.

Images get PDQ (Meta's perceptual hash, `pdqhash`), text and HTML bodies get
TLSH (`py-tlsh`) of their visible text. Captured bytes are hostile: the only
code that touches them is a bounded content decoder, Pillow's decoders for a
short list of still-image formats, and an HTML tokenizer; nothing captured is
executed. Each object is bounded in bytes (decoded), in pixels (read from the
header before any pixel is decoded) and by a time budget for the whole WARC
(checked between steps: one step is bounded by the byte and pixel caps, not
pre-empted). A corrupt object becomes an `unhashable` row with the reason.
Video is recorded as unhashable too: frame sampling (vPDQ) is not built yet.
"""

from __future__ import annotations

import hashlib
import io
import time
import warnings
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pdqhash  # no type stubs: see the mypy overrides in pyproject.toml
import tlsh  # no type stubs: see the mypy overrides in pyproject.toml
from PIL import Image, UnidentifiedImageError
from warcio.archiveiterator import ArchiveIterator

from comity.evidence._decode import BoundedDecoder, DecodedTooLarge, DecodeError

__all__ = [
    "ALGORITHMS",
    "KINDS",
    "HashLimits",
    "ObjectHash",
    "document_text",
    "hash_object",
    "hash_warc",
    "pdq_from_image",
    "visible_text",
]

KINDS = ("image", "html", "text", "video", "other")
ALGORITHMS = ("sha256", "md5", "pdq", "tlsh")
# Still-image parsers Pillow may use on captured bytes (a short list: fewer
# decoders, less attack surface); anything else is "not a supported image".
_IMAGE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")
_PDQ_SIDE = 512  # PDQ reduces to 64x64 anyway; a bounded resize first keeps it fast


@dataclass(frozen=True)
class HashLimits:
    max_bytes: int = 20_000_000  # decoded object size
    max_pixels: int = 40_000_000  # width * height, read from the header
    max_text: int = 2_000_000  # visible text characters given to TLSH
    budget_seconds: float = 20.0  # the whole WARC


@dataclass(frozen=True)
class ObjectHash:
    """One hash of one object, or why it could not be computed (`value` None)."""

    url: str
    kind: str
    algorithm: str
    value: str | None
    quality: int | None = None
    reason: str | None = None


class _Unhashable(Exception):
    pass


class _Visible(HTMLParser):
    """Text a reader sees: everything outside script, style and similar elements."""

    _HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The visible text of `html`, whitespace collapsed (the title is left out with head)."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            name = value.strip("\"' ").lower()
            try:
                "".encode(name)
            except LookupError:
                return "utf-8"
            return name
    return "utf-8"


def _kind(content_type: str, body: bytes) -> str:
    media = content_type.split(";")[0].strip().lower()
    if (
        media.startswith("image/")
        or body[:4] in (b"\x89PNG", b"GIF8")
        or body[:3] == b"\xff\xd8\xff"
    ):
        return "image"
    if media.startswith("video/"):
        return "video"
    if media in ("text/html", "application/xhtml+xml"):
        return "html"
    if media.startswith("text/") or media in ("application/json", "application/xml"):
        return "text"
    return "other"


def document_text(content_type: str, body: bytes, limit: int) -> str | None:
    """The text a reader sees in an HTML or text document, at most `limit` characters
    (read from the first 4 MB); None for an image, a video or anything else."""
    kind = _kind(content_type, body)
    if kind not in ("html", "text"):
        return None
    text = body[:4_000_000].decode(_charset(content_type), "replace")
    text = visible_text(text) if kind == "html" else " ".join(text.split())
    return text[:limit] or None


def pdq_from_image(image: Image.Image) -> tuple[str, int]:
    """PDQ hash (64 hex digits) and quality (0-100) of a decoded image."""
    rgb = image.convert("RGB")
    if max(rgb.size) > _PDQ_SIDE:
        rgb.thumbnail((_PDQ_SIDE, _PDQ_SIDE), Image.Resampling.BILINEAR)
    bits, quality = pdqhash.compute(np.asarray(rgb))
    value = int("".join("1" if b else "0" for b in bits), 2)
    return f"{value:064x}", int(quality)


def _pdq(body: bytes, limits: HashLimits) -> tuple[str, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(body), formats=_IMAGE_FORMATS) as image:
                width, height = image.size
                if width * height > limits.max_pixels:
                    raise _Unhashable(
                        f"image of {width}x{height} pixels exceeds {limits.max_pixels} pixels"
                    )
                image.draft("RGB", (_PDQ_SIDE, _PDQ_SIDE))  # JPEG: decode at reduced scale
                image.load()
                return pdq_from_image(image)
        except UnidentifiedImageError:
            raise _Unhashable("not a supported image (JPEG, PNG, GIF, WebP, BMP)") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _Unhashable(f"decompression bomb: {exc}") from None
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise _Unhashable(f"corrupt image: {exc}") from None


def _tlsh(text: str) -> str:
    value = str(tlsh.hash(text.encode("utf-8")))
    if not value or value == "TNULL":
        raise _Unhashable("too little text or variety for TLSH (needs 50 bytes or more)")
    return value


def _perceptual(
    url: str, kind: str, content_type: str, body: bytes, limits: HashLimits
) -> ObjectHash | None:
    try:
        if kind == "image":
            value, quality = _pdq(body, limits)
            return ObjectHash(url, kind, "pdq", value, quality)
        if kind in ("html", "text"):
            text = body.decode(_charset(content_type), "replace")
            if kind == "html":
                text = visible_text(text)
            return ObjectHash(url, kind, "tlsh", _tlsh(text[: limits.max_text]))
    except _Unhashable as exc:
        algorithm = "pdq" if kind == "image" else "tlsh"
        return ObjectHash(url, kind, algorithm, None, reason=str(exc))
    if kind == "video":
        reason = "video hashing (vPDQ frames) is not implemented yet"
        return ObjectHash(url, kind, "pdq", None, reason=reason)
    return None


def hash_object(url: str, content_type: str, body: bytes, limits: HashLimits) -> list[ObjectHash]:
    """Every hash of one decoded object (exact hashes always, a perceptual one by kind)."""
    kind = _kind(content_type, body)
    found = [
        ObjectHash(url, kind, "sha256", hashlib.sha256(body).hexdigest()),
        ObjectHash(url, kind, "md5", hashlib.md5(body, usedforsecurity=False).hexdigest()),
    ]
    perceptual = _perceptual(url, kind, content_type, body, limits)
    return found + ([perceptual] if perceptual else [])


def _decoded(raw: bytes, encoding: str, limits: HashLimits) -> bytes:
    decoder = BoundedDecoder(encoding, limits.max_bytes)
    try:
        decoder.feed(raw)
        body = decoder.finish()
    except DecodedTooLarge as exc:
        raise _Unhashable(f"decompression bomb: {exc}") from None
    except DecodeError as exc:
        raise _Unhashable(str(exc)) from None
    if decoder.undecoded:
        raise _Unhashable(f"Content-Encoding {', '.join(decoder.undecoded)} not decoded")
    return body


def hash_warc(path: Path, *, limits: HashLimits | None = None) -> list[ObjectHash]:
    """Hash every non-empty response body in the WARC file at `path`."""
    limits = limits or HashLimits()
    started = time.monotonic()
    found: list[ObjectHash] = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle, no_record_parse=False):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            url = str(record.rec_headers.get_header("WARC-Target-URI") or "")
            content_type = record.http_headers.get_header("Content-Type") or ""
            if time.monotonic() - started > limits.budget_seconds:
                reason = f"time budget of {limits.budget_seconds:g} s spent on earlier objects"
                found.append(ObjectHash(url, "other", "sha256", None, reason=reason))
                continue
            # raw_stream: the body as received; warcio's own decoding is unbounded.
            raw = record.raw_stream.read(limits.max_bytes + 1)
            if not raw:
                continue
            kind = _kind(content_type, raw)
            try:
                if len(raw) > limits.max_bytes:
                    raise _Unhashable(f"object exceeds {limits.max_bytes} bytes")
                encoding = record.http_headers.get_header("Content-Encoding") or ""
                body = _decoded(raw, encoding, limits)
            except _Unhashable as exc:
                found.append(ObjectHash(url, kind, "sha256", None, reason=str(exc)))
                continue
            found += hash_object(url, content_type, body, limits)
    return found
