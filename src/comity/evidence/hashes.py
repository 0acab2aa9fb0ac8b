"""Hashes of every object in a capture's WARC: exact (SHA-256, MD5) and perceptual.

Images get PDQ (Meta's perceptual hash, `pdqhash`), text and HTML bodies get
TLSH (`py-tlsh`) of their visible text, PDFs TLSH of their text (pdftotext),
videos one PDQ row per frame sampled at a fixed rate, as vPDQ does (ffmpeg; the
row's `frame_ms` says where in the video; comity.evidence.similar compares two
videos frame set to frame set). Captured bytes are hostile: in this process the
only code that touches them is a bounded content decoder, Pillow's decoders for
a short list of still-image formats, and an HTML tokenizer; ffmpeg and
pdftotext run as limited subprocesses (comity.evidence.media); nothing
captured is executed. Each object is bounded in bytes (decoded), in pixels
(read from the header before any pixel is decoded), media tools by their own
deadline and CPU and memory limits, and the whole WARC by a time budget
(checked between steps; a media tool gets at most what is left of it). A
corrupt object becomes an `unhashable` row with the reason, and so does a video
or PDF when ffmpeg or pdftotext is not installed.
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
from comity.evidence.media import MediaError, MediaLimits, pdf_text, video_frames

__all__ = [
    "ALGORITHMS",
    "KINDS",
    "HashLimits",
    "ObjectHash",
    "document_source",
    "document_text",
    "hash_object",
    "hash_warc",
    "pdq_from_image",
    "visible_text",
]

KINDS = ("image", "html", "text", "video", "pdf", "other")
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
    # ffmpeg and pdftotext (comity.evidence.media): per run, within the budget.
    media_seconds: float = 15.0
    media_memory_bytes: int = 1_000_000_000  # address space of the tool
    video_fps: float = 1.0  # vPDQ's usual sampling rate
    max_video_seconds: float = 600.0  # only the first ten minutes are sampled
    max_frames: int = 600
    max_video_pixels: int = 4096 * 4096  # one frame; larger streams are refused
    max_pdf_pages: int = 500

    def media(self, seconds: float) -> MediaLimits:
        return MediaLimits(
            seconds=seconds,
            memory_bytes=self.media_memory_bytes,
            fps=self.video_fps,
            max_video_seconds=self.max_video_seconds,
            max_frames=self.max_frames,
            max_video_pixels=self.max_video_pixels,
            max_pdf_pages=self.max_pdf_pages,
            max_text_bytes=self.max_text * 4,  # UTF-8: up to 4 bytes a character
        )


@dataclass(frozen=True)
class ObjectHash:
    """One hash of one object, or why it could not be computed (`value` None)."""

    url: str
    kind: str
    algorithm: str
    value: str | None
    quality: int | None = None
    reason: str | None = None
    frame_ms: int | None = None  # a video frame's PDQ: where in the video (milliseconds)


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


# ISO base media brands of still images (HEIF, AVIF): an `ftyp` box is not always video.
_IMAGE_BRANDS = (b"heic", b"heix", b"heif", b"avif", b"avis", b"mif1", b"msf1")


def _sniffed_video(body: bytes) -> bool:
    """MP4/MOV/3GP (an `ftyp` box), Matroska/WebM, FLV or AVI, by their first bytes."""
    if body[4:8] == b"ftyp":
        return body[8:12] not in _IMAGE_BRANDS
    return (
        body[:4] == b"\x1a\x45\xdf\xa3"
        or body[:3] == b"FLV"
        or (body[:4] == b"RIFF" and body[8:12] == b"AVI ")
    )


def _kind(content_type: str, body: bytes) -> str:
    media = content_type.split(";")[0].strip().lower()
    if (
        media.startswith("image/")
        or body[:4] in (b"\x89PNG", b"GIF8")
        or body[:3] == b"\xff\xd8\xff"
    ):
        return "image"
    if media.startswith("video/") or _sniffed_video(body):
        return "video"
    if media == "application/pdf" or body[:5] == b"%PDF-":
        return "pdf"
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


def document_source(content_type: str, body: bytes) -> str | None:
    """An HTML or text document's own characters (markup included), decoded with its
    charset, to be shown as plain text; None for an image, a video or anything else."""
    if _kind(content_type, body) not in ("html", "text"):
        return None
    return body.decode(_charset(content_type), "replace")


def pdq_from_image(image: Image.Image) -> tuple[str, int]:
    """PDQ hash (64 hex digits) and quality (0-100) of a decoded image."""
    rgb = image.convert("RGB")
    if max(rgb.size) > _PDQ_SIDE:
        rgb.thumbnail((_PDQ_SIDE, _PDQ_SIDE), Image.Resampling.BILINEAR)
    return _pdq_of(np.asarray(rgb))


def _pdq_of(pixels: np.ndarray) -> tuple[str, int]:
    bits, quality = pdqhash.compute(pixels)
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


def _frames(url: str, body: bytes, limits: MediaLimits) -> list[ObjectHash]:
    """One PDQ row per sampled frame; a frame hashing as the one before it is left out
    (a still scene gives one row, not one a second: the frame set is what vPDQ compares)."""
    try:
        frames = video_frames(body, limits)
    except MediaError as exc:
        raise _Unhashable(str(exc)) from None
    rows: list[ObjectHash] = []
    for seconds, pixels in frames:
        value, quality = _pdq_of(pixels)
        if rows and rows[-1].value == value:
            continue
        rows.append(ObjectHash(url, "video", "pdq", value, quality, None, round(seconds * 1000)))
    return rows


def _pdf(body: bytes, limits: MediaLimits) -> str:
    try:
        text = pdf_text(body, limits)
    except MediaError as exc:
        raise _Unhashable(str(exc)) from None
    return _tlsh(text[: limits.max_text_bytes // 4])


def _media_limits(limits: HashLimits, seconds: float | None) -> MediaLimits:
    left = limits.media_seconds if seconds is None else min(limits.media_seconds, seconds)
    if left <= 0:
        raise _Unhashable(f"time budget of {limits.budget_seconds:g} s spent on earlier objects")
    return limits.media(left)


def _perceptual(
    url: str, kind: str, content_type: str, body: bytes, limits: HashLimits, seconds: float | None
) -> list[ObjectHash]:
    try:
        if kind == "image":
            value, quality = _pdq(body, limits)
            return [ObjectHash(url, kind, "pdq", value, quality)]
        if kind in ("html", "text"):
            text = body.decode(_charset(content_type), "replace")
            if kind == "html":
                text = visible_text(text)
            return [ObjectHash(url, kind, "tlsh", _tlsh(text[: limits.max_text]))]
        if kind == "video":
            return _frames(url, body, _media_limits(limits, seconds))
        if kind == "pdf":
            return [ObjectHash(url, kind, "tlsh", _pdf(body, _media_limits(limits, seconds)))]
    except _Unhashable as exc:
        algorithm = "pdq" if kind in ("image", "video") else "tlsh"
        return [ObjectHash(url, kind, algorithm, None, reason=str(exc))]
    return []


def hash_object(
    url: str, content_type: str, body: bytes, limits: HashLimits, *, seconds: float | None = None
) -> list[ObjectHash]:
    """Every hash of one decoded object (exact hashes always, perceptual ones by kind).

    `seconds`: the time left for it (a media tool gets at most that); None: its own limit.
    """
    kind = _kind(content_type, body)
    found = [
        ObjectHash(url, kind, "sha256", hashlib.sha256(body).hexdigest()),
        ObjectHash(url, kind, "md5", hashlib.md5(body, usedforsecurity=False).hexdigest()),
    ]
    return found + _perceptual(url, kind, content_type, body, limits, seconds)


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
            left = limits.budget_seconds - (time.monotonic() - started)
            found += hash_object(url, content_type, body, limits, seconds=left)
    return found
