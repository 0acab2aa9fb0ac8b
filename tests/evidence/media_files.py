"""Videos and PDFs made in the test, nothing downloaded: ffmpeg's lavfi sources, a PDF writer.

Videos are generated once per session into a temporary folder (ffmpeg from
Debian, installed by tools/system-deps.sh); tests that need them skip when
ffmpeg is missing, saying so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest

from comity.demo.media import one_page_pdf

__all__ = ["needs_ffmpeg", "pdf", "video"]

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="ffmpeg not installed (bash tools/system-deps.sh)"
)
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext not installed (poppler-utils)"
)

# name -> (ffmpeg arguments after the input options, from a source or another video)
_SOURCES = {
    # 20 s of a zooming Mandelbrot set: frames that change all the time, H.264.
    "original.mp4": ["-f", "lavfi", "-i", "mandelbrot=size=160x120:rate=10", "-t", "20",
                     "-c:v", "libx264", "-b:v", "300k"],
    "unrelated.mp4": ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "20",
                      "-c:v", "libx264", "-b:v", "300k"],
    # A ten-hour video made cheaply: 32x32 pixels, one frame every ten seconds.
    "ten-hours.mp4": ["-f", "lavfi", "-i", "testsrc2=size=32x32:rate=0.1", "-t", "36000",
                      "-c:v", "libx264", "-preset", "ultrafast"],
}  # fmt: skip
_COPIES = {
    # The same video re-encoded: another codec and container, a third of the bitrate.
    "reencoded.webm": ["-i", "original.mp4", "-c:v", "libvpx", "-b:v", "100k"],
    # Trimmed: seconds 5 to 17 only, re-encoded as MPEG-4 part 2 in AVI.
    "trimmed.avi": ["-ss", "5", "-i", "original.mp4", "-t", "12", "-c:v", "mpeg4"],
}


@cache
def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="comity-test-media-"))


def _make(name: str, arguments: list[str]) -> Path:
    target = _folder() / name
    if not target.exists():
        subprocess.run(
            ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", *arguments, name],
            cwd=_folder(),
            check=True,
            timeout=120,
        )
    return target


def video(name: str) -> bytes:
    """The bytes of one of the generated videos (see _SOURCES and _COPIES)."""
    if name in _COPIES:
        _make("original.mp4", _SOURCES["original.mp4"])
        return _make(name, _COPIES[name]).read_bytes()
    return _make(name, _SOURCES[name]).read_bytes()


def pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (the demo's own writer)."""
    return one_page_pdf(text)
