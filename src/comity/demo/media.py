"""The demo internet's one picture, one video and one leaflet, and their re-uploads
(issue 17).

A synthetic poster drawn here (shapes and the words "COMITY DEMO"; no real
material), served at `ORIGINAL`, and the same poster resized to two thirds
and re-compressed harder at `REUPLOAD`: the slightly altered copy a re-upload
is, with different bytes and a PDQ hash a few bits away.

A synthetic video (20 s of ffmpeg's zooming Mandelbrot set, 160x120, H.264)
at `ORIGINAL_VIDEO`, and at `REUPLOAD_VIDEO` seconds 5 to 17 of it re-encoded
with another codec (MPEG-4 part 2): a trimmed, re-encoded copy. Both are made
by ffmpeg when the demo first asks for them (nothing is downloaded or kept);
without ffmpeg there is no video and the demo says so.

A one-page PDF leaflet (made-up text, no real material) at `ORIGINAL_PDF`, and at
`REUPLOAD_PDF` the same leaflet with its date, time and stewards changed: an
edited copy, matched by the TLSH of its text.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import tempfile
import textwrap
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

__all__ = [
    "ORIGINAL",
    "ORIGINAL_PDF",
    "ORIGINAL_VIDEO",
    "REUPLOAD",
    "REUPLOAD_PDF",
    "REUPLOAD_VIDEO",
    "media",
    "one_page_pdf",
    "videos",
]

ORIGINAL = "/media/poster.jpg"
REUPLOAD = "/media/poster-copy.jpg"
ORIGINAL_VIDEO = "/media/speech.mp4"
REUPLOAD_VIDEO = "/media/speech-cut.mp4"
ORIGINAL_PDF = "/media/leaflet.pdf"
REUPLOAD_PDF = "/media/leaflet-copy.pdf"

# Made-up text in the register of a mobilisation leaflet, no real material; the copy
# changes a few words, as a re-upload that dodges exact hashes does.
_LEAFLET = (
    "COMITY DEMO leaflet, synthetic text. The movement of the northern valleys calls on "
    "its supporters to gather in the town square on the first day of the month. Bring "
    "flags, banners and your neighbours. The council has ignored our letters for three "
    "years and the time for letters is over. Every household should send one member. "
    "Meet at the fountain at nine in the morning and follow the stewards in green caps. "
    "Do not speak to journalists; our own press office will publish the statement. "
    "Share this leaflet in your groups and print copies for those who are not online. "
    "The valleys will be heard. Our history is long and our patience has been longer. "
    "The roads to the valleys were promised a decade ago and the school in the upper "
    "village still has no heating. We ask nothing that was not promised. Those who cannot "
    "travel should write to the committee, whose address is on the back of this page, and "
    "tell us what they need. Volunteers are needed for the kitchens, the first-aid tent "
    "and the children's corner. Remember that the square is small: arrive early, keep the "
    "fountain clear and leave nothing behind. After the gathering, the committee will meet "
    "in the old library to decide the next steps and to count the signatures collected "
    "during the day. This text was written for a software demonstration and is not real "
    "material."
)
_LEAFLET_COPY = (
    _LEAFLET.replace("first day of the month", "second Sunday of the month")
    .replace("nine in the morning", "ten in the morning")
    .replace("stewards in green caps", "stewards in red scarves")
)

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


def one_page_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` in Helvetica (a standard font: nothing embedded)."""
    lines = textwrap.wrap(text, 80)
    shown = "".join(
        "({}) Tj T* ".format(line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)"))
        for line in lines
    )
    stream = f"BT /F1 10 Tf 14 TL 40 800 Td {shown}ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@cache
def media(path: str) -> tuple[bytes, str] | None:
    """The bytes and media type the demo serves at `path`, or None (not demo media)."""
    if path in (ORIGINAL_PDF, REUPLOAD_PDF):
        text = _LEAFLET if path == ORIGINAL_PDF else _LEAFLET_COPY
        return one_page_pdf(text), "application/pdf"
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
