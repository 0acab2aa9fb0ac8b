"""The demo internet's one picture and one video, and their re-uploads (issue 17).

A synthetic poster drawn here (shapes and the words "COMITY DEMO"; no real
material), served at `ORIGINAL`, and the same poster resized to two thirds
and re-compressed harder at `REUPLOAD`: the slightly altered copy a re-upload
is, with different bytes and a PDQ hash a few bits away.

A synthetic video (20 s of ffmpeg's zooming Mandelbrot set, 160x120, H.264)
at `ORIGINAL_VIDEO`, and at `REUPLOAD_VIDEO` seconds 5 to 17 of it re-encoded
with another codec (MPEG-4 part 2): a trimmed, re-encoded copy. Both are made
by ffmpeg when the demo first asks for them (nothing is downloaded or kept);
without ffmpeg there is no video and the demo says so.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

__all__ = ["ORIGINAL", "ORIGINAL_VIDEO", "REUPLOAD", "REUPLOAD_VIDEO", "media", "videos"]

ORIGINAL = "/media/poster.jpg"
REUPLOAD = "/media/poster-copy.jpg"
ORIGINAL_VIDEO = "/media/speech.mp4"
REUPLOAD_VIDEO = "/media/speech-cut.mp4"

# output file -> ffmpeg arguments (the copy is made from the original)
_VIDEOS = {
    "original.mp4": ["-f", "lavfi", "-i", "mandelbrot=size=160x120:rate=10", "-t", "20",
                     "-c:v", "libx264", "-b:v", "300k"],
    "copy.mp4": ["-ss", "5", "-i", "original.mp4", "-t", "12", "-c:v", "mpeg4", "-q:v", "6"],
}  # fmt: skip


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
def videos() -> dict[str, bytes] | None:
    """path -> bytes of the demo's two videos; None when ffmpeg is not installed."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    with tempfile.TemporaryDirectory(prefix="comity-demo-video-") as folder:
        for name, arguments in _VIDEOS.items():
            subprocess.run(
                [ffmpeg, "-nostdin", "-y", "-loglevel", "error", *arguments, name],
                cwd=folder,
                check=True,
                timeout=120,
            )
        made = Path(folder)
        return {
            ORIGINAL_VIDEO: (made / "original.mp4").read_bytes(),
            REUPLOAD_VIDEO: (made / "copy.mp4").read_bytes(),
        }


@cache
def media(path: str) -> tuple[bytes, str] | None:
    """The bytes and media type the demo serves at `path`, or None (not demo media)."""
    if path in (ORIGINAL_VIDEO, REUPLOAD_VIDEO):
        made = videos()
        return (made[path], "video/mp4") if made else None
    if path == ORIGINAL:
        image, quality = _poster(), 90
    elif path == REUPLOAD:
        image, quality = _poster().resize((427, 320), Image.Resampling.LANCZOS), 55
    else:
        return None
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue(), "image/jpeg"
