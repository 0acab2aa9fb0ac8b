"""Hashes of captured objects: near and far PDQ and TLSH, hostile media, `evidence similar`."""

from __future__ import annotations

import json

import pytest
import typer
from PIL import Image, ImageOps
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from comity.core.db import read_session
from comity.core.settings import Settings
from comity.evidence.cli import register
from comity.evidence.hashes import HashLimits, ObjectHash, hash_object, visible_text
from comity.evidence.models import ObjectHashRow
from comity.evidence.similar import hamming
from tests.evidence.conftest import add_item
from tests.evidence.pictures import bomb_png, encode, picture
from tests.evidence.servers import WebServer, page

app = typer.Typer()
register(app)
runner = CliRunner()
LIMITS = HashLimits()
ORIGINAL = picture(1)
ARTICLE = (
    "The statement published on Friday calls on supporters of the movement to travel to the "
    "northern province, to bring money and weapons, and to attack the checkpoints on the "
    "highway before the elections. It names three towns, gives the dates of the convoys and "
    "promises a reward to every fighter who joins the brigade before the end of the month. "
    "Readers are told to share the text in every group and to recruit their relatives."
)
EDITED = (
    ARTICLE.replace("Friday", "Monday").replace("three towns", "four towns")
    + " Share it before it is removed again."
)
UNRELATED = (
    "The regional library opens its new reading room on Saturday with a programme of talks "
    "about local history, a children's corner with picture books, and an exhibition of "
    "photographs of the river valley taken by students of the art school over the last "
    "decade. Entry is free, and coffee is served in the garden when the weather allows."
)


def _one(hashes: list[ObjectHash], algorithm: str) -> ObjectHash:
    [found] = [h for h in hashes if h.algorithm == algorithm]
    return found


def pdq(body: bytes) -> ObjectHash:
    return _one(hash_object("http://x/i", "image/jpeg", body, LIMITS), "pdq")


def pdq_distance(altered: Image.Image, **options: int) -> int:
    base = pdq(encode(ORIGINAL, quality=90)).value
    other = pdq(encode(altered, **(options or {"quality": 90}))).value
    assert base is not None and other is not None
    return hamming(base, other)


def test_every_image_gets_sha256_md5_and_a_pdq_with_its_quality() -> None:
    body = encode(ORIGINAL, quality=90)
    hashes = hash_object("http://x/i.jpg", "image/jpeg", body, LIMITS)
    assert [h.algorithm for h in hashes] == ["sha256", "md5", "pdq"]
    assert {h.kind for h in hashes} == {"image"}
    assert len(_one(hashes, "pdq").value or "") == 64 and _one(hashes, "pdq").quality == 100
    assert len(_one(hashes, "md5").value or "") == 32


@pytest.mark.parametrize(
    ("altered", "options", "at_most"),
    [
        (ORIGINAL, {"quality": 25}, 8),  # re-compressed hard
        (ORIGINAL.resize((320, 240)), {}, 16),
        (ORIGINAL.crop((6, 4, 634, 476)), {}, 31),  # 1% off each edge
    ],
    ids=["recompressed", "resized", "cropped-1pc"],
)
def test_a_reencoded_resized_or_slightly_cropped_copy_is_near(
    altered: Image.Image, options: dict[str, int], at_most: int
) -> None:
    assert pdq_distance(altered, **options) <= at_most


@pytest.mark.parametrize(
    "altered",
    [picture(2), picture(3), ImageOps.mirror(ORIGINAL), ORIGINAL.crop((64, 48, 576, 432))],
    ids=["other-picture", "another-picture", "flipped", "cropped-10pc"],
)
def test_a_different_flipped_or_heavily_cropped_picture_is_far(altered: Image.Image) -> None:
    # PDQ is not flip- or crop-invariant: a mirrored copy is as far as another picture
    # (matching the eight dihedral variants is not built).
    assert pdq_distance(altered) > 60


def test_an_edited_text_is_near_and_a_different_text_far_in_tlsh() -> None:
    def tlsh_of(text: str) -> str:
        html = "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        html += f"<script>var x = 'noise';</script><p>{text}</p></body></html>"
        value = _one(hash_object("http://x/", "text/html", html.encode(), LIMITS), "tlsh").value
        assert value is not None
        return value

    import tlsh

    near = tlsh.diff(tlsh_of(ARTICLE), tlsh_of(EDITED))
    far = tlsh.diff(tlsh_of(ARTICLE), tlsh_of(UNRELATED))
    assert near < 100 < far


def test_visible_text_leaves_out_scripts_styles_and_the_head() -> None:
    html = "<head><title>T</title><style>b{}</style></head><body>a<script>evil()</script> b</body>"
    assert visible_text(html) == "a b"


def test_a_decompression_bomb_png_is_recorded_unhashable_without_being_decoded() -> None:
    found = pdq(bomb_png(7_000))  # 49 million pixels: under Pillow's own limit, over ours
    assert found.value is None and found.reason is not None
    assert "exceeds 40000000 pixels" in found.reason


def test_a_truncated_jpeg_is_recorded_unhashable_with_the_reason() -> None:
    body = encode(ORIGINAL, quality=90)
    found = pdq(body[: len(body) // 2])
    assert found.value is None and "truncated" in (found.reason or "")


def test_too_little_text_for_tlsh_is_unhashable_not_an_error() -> None:
    found = _one(hash_object("http://x/", "text/plain", b"short", LIMITS), "tlsh")
    assert found.value is None and "TLSH" in (found.reason or "")


def _capture(*ids: int) -> None:
    result = runner.invoke(app, ["capture", *map(str, ids), "--by", "alice", "--json"])
    assert result.exit_code == 0, result.stdout + result.stderr


def _similar(item: int, *extra: str) -> dict[str, object]:
    result = runner.invoke(app, ["evidence", "similar", str(item), "--json", *extra])
    assert result.exit_code == 0, result.stdout + result.stderr
    found: dict[str, object] = json.loads(result.stdout)
    return found


def test_a_reupload_is_found_by_evidence_similar_with_its_distance(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    jpeg = {"Content_Type": "image/jpeg"}
    web.routes["/a.jpg"] = page(encode(ORIGINAL, quality=90), **jpeg)
    web.routes["/copy.jpg"] = page(encode(ORIGINAL.resize((480, 360)), quality=40), **jpeg)
    web.routes["/other.jpg"] = page(encode(picture(2), quality=90), **jpeg)
    web.routes["/post"] = page(f"<p>{ARTICLE}</p>".encode(), Content_Type="text/html")
    web.routes["/repost"] = page(f"<div>{EDITED}</div>".encode(), Content_Type="text/html")
    ids = [add_item(engine, web.url(p)) for p in ("/a.jpg", "/copy.jpg", "/other.jpg")]
    posts = [add_item(engine, web.url(p)) for p in ("/post", "/repost")]
    _capture(*ids, *posts)

    found = _similar(ids[0])
    matches = found["matches"]
    assert isinstance(matches, list) and [m["item_id"] for m in matches] == [ids[1]]
    [obj] = matches[0]["objects"]
    assert obj["algorithm"] == "pdq" and 0 < obj["distance"] <= 31
    assert matches[0]["state"] == "captured" and matches[0]["decision"] is None
    assert _similar(ids[0], "--pdq-distance", "0")["matches"] == []

    [text_match] = _similar(posts[0])["matches"]  # type: ignore[misc]
    assert text_match["item_id"] == posts[1] and text_match["objects"][0]["algorithm"] == "tlsh"


def test_a_bomb_served_as_evidence_is_captured_and_marked_unhashable(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/bomb.png"] = page(bomb_png(7_000), Content_Type="image/png")
    item = add_item(engine, web.url("/bomb.png"))
    _capture(item)
    with read_session(engine) as session:
        rows = session.scalars(select(ObjectHashRow).where(ObjectHashRow.item_id == item))
        by_algorithm = {r.algorithm: (r.value, r.reason) for r in rows}
    assert by_algorithm["sha256"][0] is not None  # the bytes are still identified exactly
    assert by_algorithm["pdq"][0] is None and "pixels" in (by_algorithm["pdq"][1] or "")
    assert _similar(item)["matches"] == []


def test_an_unknown_item_or_a_distance_beyond_the_index_is_refused(
    engine: Engine, staff: dict[str, str], settings: Settings
) -> None:
    result = runner.invoke(app, ["evidence", "similar", "999"])
    assert result.exit_code != 0 and "999" in result.stdout + result.stderr
    item = add_item(engine, "http://127.0.0.1:1/x")
    result = runner.invoke(app, ["evidence", "similar", str(item), "--pdq-distance", "64"])
    assert result.exit_code != 0 and "63" in result.stdout + result.stderr
