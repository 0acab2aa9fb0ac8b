"""Video (vPDQ frames through ffmpeg) and PDF (pdftotext -> TLSH): near and far, hostile input.

Every video and PDF is made in the test (tests/evidence/media_files.py). Distances
asserted: PDQ's per-frame Hamming distance through vPDQ's comparison of frame
sets, TLSH's diff for PDF text.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import tlsh
import typer
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from comity.cases.cli import register as register_cases
from comity.core.db import read_session
from comity.core.settings import Settings
from comity.evidence.cli import register
from comity.evidence.hashes import HashLimits, ObjectHash, hash_object
from comity.evidence.models import ObjectHashRow
from comity.evidence.similar import compare_videos
from tests.evidence.conftest import add_item
from tests.evidence.media_files import needs_ffmpeg, needs_pdftotext, pdf, video
from tests.evidence.servers import WebServer, page
from tests.evidence.test_hashes import ARTICLE, EDITED, UNRELATED

app = typer.Typer()
register(app)
register_cases(app)
runner = CliRunner()
MP4 = "video/mp4"


def _frames(body: bytes, limits: HashLimits | None = None, kind: str = MP4) -> list[ObjectHash]:
    found = hash_object("http://x/v", kind, body, limits or HashLimits())
    assert [h.algorithm for h in found[:2]] == ["sha256", "md5"]
    return found[2:]


def _values(body: bytes, kind: str = MP4) -> list[str]:
    rows = _frames(body, kind=kind)
    assert rows and all(r.value is not None and r.reason is None for r in rows)
    return [str(r.value) for r in rows]


def _unhashable(body: bytes, limits: HashLimits | None = None, kind: str = MP4) -> str:
    [row] = _frames(body, limits, kind)
    assert row.value is None and row.reason is not None, row
    return row.reason


@needs_ffmpeg
def test_a_video_is_hashed_as_one_pdq_row_per_second_with_its_time() -> None:
    rows = _frames(video("original.mp4"))
    assert {(r.kind, r.algorithm) for r in rows} == {("video", "pdq")}
    assert len(rows) == 20  # 20 s at 1 frame a second; every frame differs from the last
    assert [r.frame_ms for r in rows] == [1000 * i for i in range(20)]
    assert min(r.quality or 0 for r in rows) >= 50


@needs_ffmpeg
def test_a_reencoded_video_matches_frame_for_frame() -> None:
    original = _values(video("original.mp4"))
    copy = _values(video("reencoded.webm"), "video/webm")  # VP8 at a third of the bitrate
    both = compare_videos(copy, original, 31)
    assert both is not None and both.matches
    assert (both.query_percent, both.compared_percent) == (100.0, 100.0)
    assert both.distance <= 8  # median frame distance; 31 is the threshold


@needs_ffmpeg
def test_a_trimmed_video_matches_from_both_sides() -> None:
    original = _values(video("original.mp4"))
    trimmed = _values(video("trimmed.avi"), "video/x-msvideo")  # seconds 5-17, MPEG-4
    assert len(trimmed) == 12
    forward = compare_videos(trimmed, original, 31)
    assert forward is not None and forward.query_percent == 100.0 and forward.distance <= 8
    assert forward.compared_percent == 60.0  # 12 of the original's 20 frames
    backward = compare_videos(original, trimmed, 31)
    assert backward is not None and backward.matches  # the trimmed copy is in the original
    assert (backward.query_percent, backward.compared_percent) == (60.0, 100.0)


@needs_ffmpeg
def test_an_unrelated_video_does_not_match() -> None:
    original = _values(video("original.mp4"))
    other = _values(video("unrelated.mp4"))
    found = compare_videos(other, original, 31)
    assert found is not None and not found.matches
    assert (found.query_percent, found.compared_percent) == (0.0, 0.0)
    assert found.distance > 90  # the nearest pair of frames: far beyond 31


@needs_ffmpeg
def test_a_video_is_recognised_by_its_bytes_whatever_the_header_says() -> None:
    rows = _frames(video("original.mp4"), kind="application/octet-stream")
    assert rows[0].kind == "video" and len(rows) == 20


@needs_pdftotext
def test_a_pdf_with_edited_text_is_near_and_a_different_pdf_far() -> None:
    def text_hash(body: bytes) -> str:
        [row] = hash_object("http://x/d.pdf", "application/pdf", body, HashLimits())[2:]
        assert (row.kind, row.algorithm) == ("pdf", "tlsh") and row.value, row
        return row.value

    original, edited, other = (text_hash(pdf(t)) for t in (ARTICLE, EDITED, UNRELATED))
    assert pdf(ARTICLE) != pdf(EDITED)
    assert tlsh.diff(original, edited) <= 100  # 77 measured; 100 is the default threshold
    assert tlsh.diff(original, other) > 200  # 287 measured


@needs_pdftotext
def test_a_pdf_without_text_and_a_corrupt_pdf_are_unhashable_with_the_reason() -> None:
    [empty] = hash_object("u", "application/pdf", pdf(""), HashLimits())[2:]
    assert empty.reason == "too little text or variety for TLSH (needs 50 bytes or more)"
    [broken] = hash_object("u", "application/pdf", b"%PDF-1.4\n" + b"\x00" * 500, HashLimits())[2:]
    assert broken.value is None and broken.reason is not None
    assert broken.reason.startswith("pdftotext failed (exit 1)")


# Hostile and odd input: bounded, recorded with the reason, never a crash.


@needs_ffmpeg
def test_a_truncated_video_is_unhashable_with_ffmpegs_reason() -> None:
    body = video("original.mp4")
    # MP4 from ffmpeg keeps its index (moov) at the end: cut it off, nothing is readable.
    reason = _unhashable(body[: len(body) // 3])
    assert reason.startswith("ffmpeg failed (exit 1):") and "Invalid data" in reason


@needs_ffmpeg
def test_a_truncated_webm_keeps_the_frames_before_the_cut_and_still_matches() -> None:
    body = video("reencoded.webm")
    cut = _values(body[: len(body) // 2], "video/webm")
    assert 5 <= len(cut) < 20
    found = compare_videos(cut, _values(video("original.mp4")), 31)
    assert found is not None and found.matches and found.query_percent == 100.0


@needs_ffmpeg
def test_a_ten_hour_video_is_sampled_only_for_its_first_minutes() -> None:
    body = video("ten-hours.mp4")  # 36,000 s, a frame every 10 s, 32x32 pixels
    rows = _frames(body, HashLimits(max_video_seconds=120))
    assert rows and all(r.value for r in rows)
    assert max(r.frame_ms or 0 for r in rows) < 120_000  # nothing after the first 2 minutes
    capped = _frames(body, HashLimits(max_frames=30))
    assert max(r.frame_ms or 0 for r in capped) < 30_000  # nor after the 30th frame


@needs_ffmpeg
def test_ffmpeg_is_stopped_at_its_deadline() -> None:
    # All ten hours asked for, 0.3 s given: killed at the deadline, whatever it had read.
    limits = HashLimits(media_seconds=0.3, max_video_seconds=36_000, max_frames=36_000)
    rows = _frames(video("ten-hours.mp4"), limits)
    if rows[0].value is None:
        assert rows == [rows[0]] and rows[0].reason == "ffmpeg did not finish within 0.3 s"
    else:  # the frames read before the deadline are kept (a prefix matches like a trim)
        assert max(r.frame_ms or 0 for r in rows) < 36_000_000


@needs_ffmpeg
def test_frames_larger_than_the_limit_are_refused_by_the_decoder() -> None:
    reason = _unhashable(video("original.mp4"), HashLimits(max_video_pixels=10_000))
    assert reason == "video frames of 160x120 pixels exceed 10000 pixels"


@needs_ffmpeg
def test_ffmpeg_out_of_memory_is_unhashable_not_a_crash() -> None:
    reason = _unhashable(video("original.mp4"), HashLimits(media_memory_bytes=20_000_000))
    assert reason.startswith("ffmpeg failed"), reason


@needs_ffmpeg
def test_a_playlist_cannot_make_ffmpeg_read_other_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(video("original.mp4"))
    playlist = f"#EXTM3U\n#EXTINF:10,\nfile:{secret}\n#EXT-X-ENDLIST\n".encode()
    assert _unhashable(playlist, kind="video/mp4").startswith("ffmpeg failed")
    concat = f"ffconcat version 1.0\nfile '{secret}'\n".encode()
    assert _unhashable(concat, kind="video/mp4").startswith("ffmpeg failed")


@needs_ffmpeg
def test_random_bytes_served_as_video_are_unhashable() -> None:
    assert _unhashable(bytes(range(256)) * 40).startswith("ffmpeg failed")


def test_missing_tools_make_unhashable_rows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with neither tool on it
    assert _unhashable(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100) == "ffmpeg not installed"
    [row] = hash_object("u", "application/pdf", pdf(ARTICLE), HashLimits())[2:]
    assert (row.algorithm, row.value, row.reason) == ("tlsh", None, "pdftotext not installed")


def test_a_tool_that_cannot_start_makes_an_unhashable_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Executable, but its interpreter is missing: exec fails (ENOENT) inside prlimit.
    broken = tmp_path / "ffmpeg"
    broken.write_bytes(b"#!/nonexistent/interpreter\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert _unhashable(b"\x1a\x45\xdf\xa3" + b"\x00" * 100) == (
        "ffmpeg could not start: No such file or directory"
    )


def test_the_limits_are_applied_to_the_tool_itself(tmp_path: Path) -> None:
    # What prlimit leaves in force for the process it execs: read back from the tool.
    from comity.evidence.media import _limited

    script = "ulimit -t; ulimit -H -t; ulimit -v; ulimit -c"
    argv = _limited(["/bin/sh", "-c", script], 7, 512 * 1024 * 1024)
    shown = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["7", "8", str(512 * 1024), "0"]  # CPU soft/hard, address space KiB, core


def test_no_time_left_in_the_warcs_budget_skips_the_tool() -> None:
    found = hash_object("u", MP4, b"\x00" * 64, HashLimits(), seconds=0.0)
    assert found[2].reason == "time budget of 20 s spent on earlier objects"


# Through capture: the rows stored, `evidence similar`, content groups.


def _run(*args: str) -> Any:
    result = runner.invoke(app, [*args])
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout) if "--json" in args else result.stdout


@needs_ffmpeg
def test_a_trimmed_reupload_is_found_by_similar_and_joins_the_content_group(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/v.mp4"] = page(video("original.mp4"), Content_Type=MP4)
    web.routes["/copy.avi"] = page(video("trimmed.avi"), Content_Type="video/x-msvideo")
    web.routes["/other.mp4"] = page(video("unrelated.mp4"), Content_Type=MP4)
    web.routes["/broken.mp4"] = page(video("original.mp4")[:5000], Content_Type=MP4)
    first, copy, other, broken = (
        add_item(engine, web.url(p)) for p in ("/v.mp4", "/copy.avi", "/other.mp4", "/broken.mp4")
    )
    _run("capture", *map(str, (first, copy, other, broken)), "--by", "alice", "--json")

    with read_session(engine) as session:
        frames = session.scalars(
            select(ObjectHashRow.frame_ms).where(
                ObjectHashRow.item_id == copy, ObjectHashRow.algorithm == "pdq"
            )
        ).all()
        assert sorted(frames) == [1000 * i for i in range(12)]
        [bad] = session.scalars(
            select(ObjectHashRow).where(
                ObjectHashRow.item_id == broken, ObjectHashRow.algorithm == "pdq"
            )
        ).all()
        assert bad.value is None and (bad.reason or "").startswith("ffmpeg failed")

    found = _run("evidence", "similar", str(copy), "--json")
    [match] = found["matches"]
    assert match["item_id"] == first
    [video_match] = match["objects"]
    assert video_match["algorithm"] == "vpdq" and video_match["distance"] <= 8
    assert video_match["query_match_percent"] == 100.0
    assert video_match["compared_match_percent"] == 60.0
    assert _run("evidence", "similar", str(other), "--json")["matches"] == []
    shown = " ".join(_run("evidence", "similar", str(copy)).split())  # rich wraps lines
    assert "(frames matched: 100.0% of this video's, 60.0% of the other's)" in shown

    group = _run("item", "show", str(copy), "--json")["content_group"]
    members = {m["item_id"]: m for m in group["members"]}
    assert set(members) == {first, copy}
    assert members[copy]["algorithm"] == "vpdq" and members[copy]["distance"] <= 8
    assert _run("item", "show", str(other), "--json")["content_group"] is None
