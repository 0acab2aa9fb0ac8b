"""Imported hashes match new captures like local ones, naming the source, and are never evidence."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from comity.cases.cli import register as register_cases
from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.core.errors import Refused
from comity.core.settings import Settings
from comity.evidence.cli import register as register_evidence
from comity.evidence.hashes import pdq_from_image
from comity.evidence.models import Evidence, ObjectHashRow
from comity.evidence.similar import hamming
from comity.hashexchange import service
from comity.hashexchange.cli import register as register_hashes
from tests.cases.conftest import load_proposal, make_proposal
from tests.evidence.conftest import add_item
from tests.evidence.pictures import encode, picture
from tests.evidence.servers import WebServer
from tests.hashexchange.conftest import capture

app = typer.Typer()
register_evidence(app)
register_cases(app)
register_hashes(app)
runner = CliRunner()
JPEG = {"Content_Type": "image/jpeg"}


def _run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout) if "--json" in args else result.stdout


@pytest.fixture
def web() -> Any:
    server = WebServer()
    yield server
    server.close()


def test_an_imported_pdq_flags_a_near_copy_captured_later_naming_the_source(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer, tmp_path: Any
) -> None:
    # The partner hashed a resized, re-compressed copy of the picture.
    import io

    from PIL import Image

    theirs, _ = pdq_from_image(
        Image.open(io.BytesIO(encode(picture(7).resize((400, 300)), quality=50)))
    )
    listed = tmp_path / "partner.te"
    listed.write_text(f"pdq {theirs}\n")
    summary = _run(
        "hashes",
        "import",
        str(listed),
        "--format",
        "threatexchange",
        "--source",
        "GIFCT-test",
        "--by",
        "alice",
        "--json",
    )
    assert summary["added"] == 1

    from tests.evidence.servers import page

    web.routes["/copy.jpg"] = page(encode(picture(7), quality=85), **JPEG)
    web.routes["/unrelated.jpg"] = page(encode(picture(9), quality=85), **JPEG)
    copy, unrelated = (
        add_item(engine, web.url("/copy.jpg")),
        add_item(engine, web.url("/unrelated.jpg")),
    )
    capture(engine, settings, copy, unrelated)

    with read_session(engine) as session:
        ours = session.scalars(
            select(ObjectHashRow.value).where(
                ObjectHashRow.item_id == copy, ObjectHashRow.algorithm == "pdq"
            )
        ).one()
    assert ours is not None
    distance = hamming(ours, theirs)
    assert 0 < distance <= 31  # a near match, not the same hash

    shown = _run("item", "show", str(copy), "--json")
    [flag] = shown["external_hashes"]
    assert flag["external"] is True and flag["source"] == "GIFCT-test"
    assert flag["algorithm"] == "pdq" and flag["distance"] == distance
    assert _run("item", "show", str(unrelated), "--json")["external_hashes"] == []

    similar = _run("evidence", "similar", str(copy), "--json")
    assert [(m["source"], m["distance"]) for m in similar["external"]] == [("GIFCT-test", distance)]
    assert similar["matches"] == []  # an imported hash is not an item
    with read_session(engine) as session:
        event = session.scalars(
            select(AuditEvent.data).where(AuditEvent.action == "item.external_match")
        ).one()
    assert event["matches"][0]["source"] == "GIFCT-test"


def test_an_item_cannot_be_approved_on_imported_hashes_alone(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    """The partner's list names the item's URL and its picture's hashes; Comity could not
    capture it (404). The imported rows are not evidence: approval stays blocked."""
    gone = add_item(engine, web.url("/gone.jpg"))
    body = encode(picture(7), quality=85)
    import hashlib

    csv_text = (
        "hash_type,hash_value,url,conduct,decision\n"
        f"SHA256,{hashlib.sha256(body).hexdigest()},{web.url('/gone.jpg')},terrorism.incitement,approved\n"
        f"MD5,{hashlib.md5(body).hexdigest()},{web.url('/gone.jpg')},terrorism.incitement,approved\n"
    )
    with session_scope(engine) as session:
        service.import_hashes(
            session=session, data=csv_text.encode(), fmt="tcap-csv", source="TCAP", actor="alice"
        )
    capture(engine, settings, gone)  # 404: no route

    pid = make_proposal(engine, gone)
    assert [f["code"] for f in load_proposal(engine, pid).findings] == ["evidence_missing"]
    from comity.cases import service as cases

    with pytest.raises(Refused, match="evidence_missing"), session_scope(engine) as session:
        cases.review(session=session, proposal_id=pid, approve=True, reason="x", actor="rita")
    with read_session(engine) as session:
        # The 404 page's own hashes are recorded; the imported ones never join them.
        held = set(
            session.scalars(select(ObjectHashRow.value).where(ObjectHashRow.item_id == gone))
        )
        assert held.isdisjoint({hashlib.sha256(body).hexdigest(), hashlib.md5(body).hexdigest()})
        outcomes = session.scalars(select(Evidence.outcome).where(Evidence.item_id == gone)).all()
    assert outcomes == ["http_error"]
    assert _run("item", "show", str(gone), "--json")["external_hashes"] == []
