"""Video frames and PDF text from captured bytes, through Debian's ffmpeg and pdftotext.

Both tools parse hostile bytes in C, so neither runs in this process: each runs
as a subprocess in a temporary folder of its own, reading the bytes from a
temporary file there (never a URL: ffmpeg may open `file` only, and only the
container demuxers listed in `_VIDEO_FORMATS`, so a playlist cannot make it
fetch or read anything else), with hard limits set before it starts (CPU
seconds, address space, file size: its stderr only, no core dump) and a wall-clock
deadline after which its process group is killed. Output is read as it comes
and capped in bytes, so neither the tool nor its output can exhaust the worker.

Video is sampled as vPDQ does (ThreatExchange's video PDQ): frames at a fixed
rate (`HashLimits.video_fps`, 1 a second), each scaled to `FRAME_SIDE` pixels
square (PDQ reduces to 64x64 whatever the aspect, so squashing loses nothing it
reads) and PDQ-hashed by the caller. Only the first `max_video_seconds` of a
video are read, at most `max_frames` frames, and a stream whose frames are
larger than `max_video_pixels` is refused by the decoder (ffmpeg's
`max_pixels`) before it allocates them.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import IO

import numpy as np

__all__ = [
    "FRAME_SIDE",
    "MediaError",
    "MediaLimits",
    "pdf_text",
    "video_frames",
]

FRAME_SIDE = 256
_FRAME_BYTES = FRAME_SIDE * FRAME_SIDE * 3  # rgb24
# Container demuxers ffmpeg may use on captured bytes: no playlists (hls, dash,
# concat), no image sequences, nothing that opens another file or address.
_VIDEO_FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,ogg"


_STDERR_BYTES = 1_000_000
_TOO_BIG = re.compile(r"Picture size (\d+x\d+) exceeds specified max pixel count (\d+)")


class MediaError(Exception):
    """Why an object could not be read (the `reason` of its unhashable row)."""


@dataclass(frozen=True)
class MediaLimits:
    seconds: float  # wall clock for one tool run
    memory_bytes: int  # address space of the tool
    fps: float = 1.0
    max_video_seconds: float = 600.0
    max_frames: int = 600
    max_video_pixels: int = 4096 * 4096
    max_pdf_pages: int = 500
    max_text_bytes: int = 2_000_000


# util-linux's prlimit (Essential in Debian) sets the limits and then execs the tool.
# Not preexec_fn: Python code between fork and exec can deadlock the child when the
# parent has threads, and `comity worker --workers T` captures from T threads.
# Resolved once, so a test's narrowed PATH cannot hide it.
_PRLIMIT = shutil.which("prlimit") or "/usr/bin/prlimit"
_EXEC_FAILED = re.compile(r"prlimit: failed to execute [^:]*: (.+)")


def _limited(argv: list[str], cpu_seconds: int, memory_bytes: int) -> list[str]:
    """`argv` run under hard limits: CPU, address space, file size (its stderr is its
    only file: see _stream; nothing big is written) and no core dump."""
    return [
        _PRLIMIT,
        f"--cpu={cpu_seconds}:{cpu_seconds + 1}",
        f"--as={memory_bytes}:{memory_bytes}",
        f"--fsize={_STDERR_BYTES}:{_STDERR_BYTES}",
        "--core=0:0",
        "--",
        *argv,
    ]


@dataclass
class _Run:
    returncode: int | None = None
    timed_out: bool = False
    capped: bool = False
    stderr: str = ""


def _start(argv: list[str], cwd: Path, errors: IO[bytes], limits: MediaLimits) -> Popen[bytes]:
    if not os.access(_PRLIMIT, os.X_OK):
        raise MediaError("prlimit not installed (util-linux): no tool runs without limits")
    return subprocess.Popen(  # fixed argv; the bytes come from a file we wrote
        _limited(argv, int(limits.seconds) + 1, limits.memory_bytes),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=errors,  # a file, not a pipe: a chatty tool cannot block on it
        start_new_session=True,  # its own process group, killed whole
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
    )


def _stream(
    argv: list[str], *, cwd: Path, limits: MediaLimits, max_bytes: int, run: _Run
) -> Iterator[bytes]:
    """Yield the tool's stdout as it comes, at most `max_bytes`; kill it at the deadline.

    `run` is filled in when the generator finishes (exit status, timeout, cap).
    """
    deadline = time.monotonic() + limits.seconds
    with tempfile.TemporaryFile(dir=cwd) as errors:
        try:
            proc = _start(argv, cwd, errors, limits)
        except OSError as exc:  # not executable, no memory to fork: the object's reason
            raise MediaError(f"{Path(argv[0]).name} could not start: {exc.strerror}") from None
        assert proc.stdout is not None
        received = 0
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(proc.stdout, selectors.EVENT_READ)
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        run.timed_out = True
                        break
                    if not selector.select(timeout=left):
                        continue
                    chunk = os.read(proc.stdout.fileno(), 1 << 16)
                    if not chunk:
                        break
                    chunk = chunk[: max_bytes - received]
                    received += len(chunk)
                    yield chunk
                    if received >= max_bytes:
                        run.capped = True
                        break
        finally:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):  # exited meanwhile
                    os.killpg(proc.pid, signal.SIGKILL)
            proc.stdout.close()
            run.returncode = proc.wait()
            errors.seek(max(0, errors.seek(0, os.SEEK_END) - 4000))  # the last lines
            run.stderr = errors.read().decode("utf-8", "replace")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise MediaError(f"{name} not installed")
    return found


def _failure(name: str, run: _Run, limits: MediaLimits) -> str:
    if run.timed_out:
        return f"{name} did not finish within {limits.seconds:g} s"
    if run.returncode == -signal.SIGXCPU or run.returncode == -signal.SIGKILL:
        return f"{name} was stopped at its CPU limit ({int(limits.seconds) + 1} s)"
    failed = _EXEC_FAILED.search(run.stderr)
    if failed:  # prlimit could not exec the tool
        return f"{name} could not start: {failed[1].strip()}"
    big = _TOO_BIG.search(run.stderr)
    if big:  # the decoder's max_pixels refusal, the clearest of the lines it prints
        return f"video frames of {big[1]} pixels exceed {big[2]} pixels"
    last = [line for line in run.stderr.splitlines() if line.strip()]
    said = last[-1].strip()[:200] if last else "no message"
    return f"{name} failed (exit {run.returncode}): {said}"


def video_frames(body: bytes, limits: MediaLimits) -> list[tuple[float, np.ndarray]]:
    """(seconds from the start, FRAME_SIDE x FRAME_SIDE RGB pixels) of each sampled frame.

    Raises MediaError with the reason when no frame could be read. A run cut short
    by the deadline after some frames keeps them: the first minutes of a video
    match like a trimmed copy.
    """
    ffmpeg = _tool("ffmpeg")
    with tempfile.TemporaryDirectory(prefix="comity-media-") as folder:
        cwd = Path(folder)
        (cwd / "input").write_bytes(body)
        argv = [
            ffmpeg,
            "-nostdin",
            "-hide_banner",
            "-loglevel", "error",
            "-protocol_whitelist", "file",
            "-format_whitelist", _VIDEO_FORMATS,
            "-threads", "1",
            "-max_pixels", str(limits.max_video_pixels),
            "-t", f"{limits.max_video_seconds:g}",
            "-i", "file:input",
            "-map", "0:v:0",
            "-an", "-sn", "-dn",
            "-vf", f"fps={limits.fps:g},scale={FRAME_SIDE}:{FRAME_SIDE}:flags=area",
            "-frames:v", str(limits.max_frames),
            "-f", "rawvideo",
            "-pix_fmt", "rgb24",
            "pipe:1",
        ]  # fmt: skip
        run = _Run()
        frames: list[tuple[float, np.ndarray]] = []
        pending = b""
        max_bytes = limits.max_frames * _FRAME_BYTES
        for chunk in _stream(argv, cwd=cwd, limits=limits, max_bytes=max_bytes, run=run):
            pending += chunk
            while len(pending) >= _FRAME_BYTES:
                raw, pending = pending[:_FRAME_BYTES], pending[_FRAME_BYTES:]
                pixels = np.frombuffer(raw, dtype=np.uint8).reshape(FRAME_SIDE, FRAME_SIDE, 3)
                frames.append((len(frames) / limits.fps, pixels))
    if not frames:
        if run.returncode == 0 and not run.timed_out:
            raise MediaError("ffmpeg found no video frame")
        raise MediaError(_failure("ffmpeg", run, limits))
    return frames


def pdf_text(body: bytes, limits: MediaLimits) -> str:
    """The text of a PDF's first `max_pdf_pages` pages, whitespace collapsed (pdftotext)."""
    pdftotext = _tool("pdftotext")
    with tempfile.TemporaryDirectory(prefix="comity-media-") as folder:
        cwd = Path(folder)
        (cwd / "input.pdf").write_bytes(body)
        argv = [
            pdftotext, "-q", "-enc", "UTF-8", "-l", str(limits.max_pdf_pages), "input.pdf", "-",
        ]  # fmt: skip
        run = _Run()
        out = b"".join(
            _stream(argv, cwd=cwd, limits=limits, max_bytes=limits.max_text_bytes, run=run)
        )
    # Cut short by the cap or the deadline, the pages read so far still count.
    if not (run.returncode == 0 or run.capped or (run.timed_out and out)):
        raise MediaError(_failure("pdftotext", run, limits))
    return " ".join(out.decode("utf-8", "replace").split())
