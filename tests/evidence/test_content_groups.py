"""Content groups at intake, and `reappeared` when removed content comes back elsewhere."""

from __future__ import annotations

import json
from typing import Any

import typer
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from comity.cases.cli import register as register_cases
from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.core.settings import Settings
from comity.evidence.cli import register as register_evidence
from comity.intake.models import Item
from comity.tracking.monitor import monitor_items
from tests.evidence.conftest import add_item
from tests.evidence.pictures import encode, picture
from tests.evidence.servers import WebServer, page
from tests.tracking.conftest import prober_hooks

app = typer.Typer()
register_evidence(app)
register_cases(app)
runner = CliRunner()
JPEG = {"Content_Type": "image/jpeg"}
ORIGINAL = picture(1)


def _run(*args: str) -> Any:
    result = runner.invoke(app, [*args])
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout) if "--json" in args else result.stdout


def _capture(*ids: int) -> None:
    _run("capture", *map(str, ids), "--by", "alice", "--json")


def _show(item: int) -> dict[str, Any]:
    found: dict[str, Any] = _run("item", "show", str(item), "--json")
    return found


def test_a_resized_recompressed_copy_joins_the_earlier_items_content_group(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/a.jpg"] = page(encode(ORIGINAL, quality=90), **JPEG)
    web.routes["/copy.jpg"] = page(encode(ORIGINAL.resize((480, 360)), quality=40), **JPEG)
    web.routes["/same.jpg"] = page(encode(ORIGINAL, quality=90), **JPEG)
    web.routes["/other.jpg"] = page(encode(picture(2), quality=90), **JPEG)
    first, copy, same, other = (
        add_item(engine, web.url(p)) for p in ("/a.jpg", "/copy.jpg", "/same.jpg", "/other.jpg")
    )
    _capture(first, copy, same, other)

    group = _show(copy)["content_group"]
    assert group["id"] == first
    members = {m["item_id"]: m for m in group["members"]}
    assert set(members) == {first, copy, same}
    assert members[copy]["matched_item_id"] == first and members[copy]["algorithm"] == "pdq"
    assert 0 < members[copy]["distance"] <= 31
    assert members[same]["algorithm"] == "sha256" and members[same]["distance"] == 0
    assert _show(other)["content_group"] is None
    with read_session(engine) as session:
        linked = session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "item.content_group")
        ).all()
    assert sorted(linked) == sorted(map(str, (first, copy, same)))


def test_flat_low_quality_images_do_not_link_unrelated_items(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    from PIL import Image

    web.routes["/grey.png"] = page(encode(Image.new("RGB", (300, 200), (90, 90, 90)), "PNG"))
    web.routes["/blue.png"] = page(encode(Image.new("RGB", (200, 300), (20, 40, 200)), "PNG"))
    grey, blue = add_item(engine, web.url("/grey.png")), add_item(engine, web.url("/blue.png"))
    _capture(grey, blue)
    assert _show(blue)["content_group"] is None


def test_a_removed_items_content_captured_at_a_new_url_marks_it_reappeared(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/post.jpg"] = page(encode(ORIGINAL, quality=90), **JPEG)
    removed = add_item(engine, web.url("/post.jpg"))
    _capture(removed)
    del web.routes["/post.jpg"]  # the host removed it: 404
    hooks = prober_hooks()
    [check] = monitor_items(engine=engine, actor="alice", hooks=hooks, item_ids=[removed])
    assert check["verdict"] == "removed"
    with session_scope(engine) as session:  # the case had reached verified removal
        session.execute(update(Item).where(Item.id == removed).values(state="verified"))

    web.routes["/reupload.jpg"] = page(encode(ORIGINAL.resize((400, 300)), quality=60), **JPEG)
    copy = add_item(engine, web.url("/reupload.jpg"))
    _capture(copy)

    shown = _show(removed)
    assert shown["monitor"]["verdict"] == "reappeared"
    assert f"item {copy}" in shown["monitor"]["detail"]
    assert {m["item_id"] for m in shown["content_group"]["members"]} == {removed, copy}
    with read_session(engine) as session:
        event = session.scalars(
            select(AuditEvent.data)
            .where(AuditEvent.action == "item.monitor", AuditEvent.object_id == str(removed))
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert event is not None and event["to"] == "reappeared" and event["copy_item_id"] == copy

    # Its own URL is still gone: the next check keeps `reappeared`, not `removed`.
    [again] = monitor_items(engine=engine, actor="alice", hooks=hooks, item_ids=[removed])
    assert again["verdict"] == "reappeared" and again["changed"] is False
    assert _show(copy)["monitor"]["verdict"] is None  # the copy itself was never checked


def test_an_edited_copy_of_a_document_joins_the_group_and_an_unrelated_one_does_not(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    from comity.demo.media import ORIGINAL_PDF, REUPLOAD_PDF, media
    from comity.evidence.groups import DOCUMENT_TLSH_DISTANCE
    from tests.evidence.media_files import pdf

    leaflet, _ = media(ORIGINAL_PDF)  # type: ignore[misc]
    edited, _ = media(REUPLOAD_PDF)  # type: ignore[misc]
    unrelated = pdf("The weather in the mountains was mild this winter. " * 30)
    PDF = {"Content_Type": "application/pdf"}
    web.routes["/leaflet.pdf"] = page(leaflet, **PDF)
    web.routes["/copy.pdf"] = page(edited, **PDF)
    web.routes["/other.pdf"] = page(unrelated, **PDF)
    first, copy, other = (
        add_item(engine, web.url(p)) for p in ("/leaflet.pdf", "/copy.pdf", "/other.pdf")
    )
    _capture(first, copy, other)
    group = _show(copy)["content_group"]
    member = next(m for m in group["members"] if m["item_id"] == copy)
    assert (group["id"], member["algorithm"]) == (first, "tlsh")
    assert 0 < member["distance"] <= DOCUMENT_TLSH_DISTANCE
    assert _show(other)["content_group"] is None
