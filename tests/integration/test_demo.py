"""`comity demo --no-serve`: the whole pipeline on the demo internet, end to end."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pytest
from rich.console import Console
from sqlalchemy import func, select

from comity.core import audit
from comity.core.db import get_engine, read_session, reset_engines
from comity.core.settings import Settings, override_settings
from comity.evidence.store import Store
from comity.flows.demo import run_demo
from comity.intake.models import Item
from comity.integrity.verify import verify_data
from comity.tracking.models import TrackedRequest
from tests.dossiers.xarf_spec import SPEC, master_validator


@dataclass
class Demo:
    home: Path  # the demo's own data folder
    ctx: Any
    text: str  # the story it printed


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One `comity demo --no-serve` for the tests of this module."""
    tmp_path = tmp_path_factory.mktemp("demo")
    out = io.StringIO()
    console = Console(file=out, width=200)
    with override_settings(Settings(home=tmp_path)):
        ctx = run_demo(console=console, home=tmp_path / "demo", serve=False)
    reset_engines()
    return Demo(home=tmp_path / "demo", ctx=ctx, text=out.getvalue())


def test_demo_runs_every_step_and_leaves_a_verifiable_record(demo: Demo) -> None:
    ctx, text, tmp_path = demo.ctx, demo.text, demo.home.parent
    for step in (
        "intake:",
        "evidence:",
        "attribution:",
        "assessment:",
        "proposals by alice",
        "review by rita",
        "dossiers by leo",
        "dispatch by leo",
        "monitor:",
        "reinstatement:",
        "complaints:",
        "retention run by sam",
    ):
        assert step in text, f"{step} missing from the demo's story:\n{text}"
    assert ctx.facts["items"] == 17 and ctx.facts["dossiers"] and ctx.facts["overdue"] >= 1
    assert "legal_block" in text and "challenge" in text and "moved" in text
    # Hosts that removed the content are verified by the monitor; the one that
    # answered "removed" and kept it up stays `answered`, with the monitor saying `up`.
    assert len(ctx.facts["verified"]) >= 3

    from comity.dossiers.models import DossierFile, DossierRecord

    reset_engines()
    engine = get_engine(f"sqlite:///{tmp_path / 'demo' / 'comity.db'}")
    with read_session(engine) as session:
        assert audit.verify_chain(session).ok
        # Every row the demo's services wrote matches its last audited event.
        data = verify_data(session=session, store=Store(tmp_path / "demo"))
        assert [d.line() for d in data.differences] == [] and data.covered > 17
        issued = session.scalar(
            select(func.count()).select_from(DossierRecord).where(DossierRecord.state == "issued")
        )
        files = session.scalar(select(func.count()).select_from(DossierFile))
    assert issued == len(ctx.facts["dossiers"]) and files and files >= issued * 3
    with read_session(engine) as session:
        claimed = session.scalars(
            select(TrackedRequest.item_id).where(
                TrackedRequest.decision == "removed",
                TrackedRequest.item_id.not_in(ctx.facts["verified"]),
            )
        ).all()
        states = {i.id: i.state for i in session.scalars(select(Item).where(Item.id.in_(claimed)))}
    assert states and set(states.values()) == {"answered"}
    reset_engines()


def test_the_demo_reinstates_an_item_decides_two_complaints_and_runs_retention(
    demo: Demo,
) -> None:
    from comity.complaints.models import Complaint
    from comity.evidence.models import Evidence

    ctx = demo.ctx
    assert ctx.facts["reinstated"] and "rita was refused the review" in demo.text
    reupload = ctx.facts["reupload"]  # issue 17: the altered copy is linked, the removal back
    assert reupload["verdict"] == "reappeared" and "re-upload: item" in demo.text
    if shutil.which("ffmpeg"):  # tools/system-deps.sh installs it; CI has it
        video = ctx.facts["reupload_video"]  # a trimmed, re-encoded copy, linked by vPDQ
        assert video["verdict"] == "reappeared" and "re-upload (video): item" in demo.text
        assert "(vpdq distance" in demo.text
    else:
        assert "re-upload (video): skipped, ffmpeg not installed" in demo.text
    if shutil.which("pdftotext"):  # poppler-utils, from tools/system-deps.sh
        leaflet = ctx.facts["reupload_document"]  # an edited copy, linked by its text's TLSH
        assert leaflet["verdict"] == "reappeared" and "re-upload (document): item" in demo.text
        assert "(tlsh distance" in demo.text
    else:
        assert "re-upload (document): skipped, pdftotext not installed" in demo.text
    # issue 17 item 5: a deconfliction hold on the poster's PDQ covers the altered copy
    assert ctx.facts["hold"]["covers_copy"] and "deconfliction hold" in demo.text
    upheld_item, _ = ctx.facts["complaints"]
    done = ctx.facts["retention"]
    assert done["evidence_files"] >= 1 and done["held_items"] == [upheld_item]
    reset_engines()
    engine = get_engine(f"sqlite:///{demo.home / 'comity.db'}")
    with read_session(engine) as session:
        outcomes = sorted(session.scalars(select(Complaint.state)))
        assert outcomes == ["rejected", "upheld"]
        assert session.get_one(Item, upheld_item).state == "withdrawn"
        assert {session.get_one(Item, i).state for i in ctx.facts["reinstated"]} == {"reinstated"}
        deleted = session.scalars(select(Evidence).where(Evidence.item_id.in_(done["items"]))).all()
        assert deleted and all(
            e.warc_path is None and e.warc_sha256 for e in deleted if e.warc_sha256
        )
        assert audit.verify_chain(session).ok
        # the transparency report shows them (small counts withheld as "<5", never zero)
        from datetime import date, timedelta

        from comity.core.db import utcnow
        from comity.reports import transparency

        doc = transparency.document(
            session=session,
            period_from=date(2000, 1, 1),
            period_to=utcnow().date() + timedelta(days=1),
        )
        assert all(doc["complaints"][k] != 0 for k in ("upheld", "rejected", "reinstated"))
        assert doc["retention"]["runs"] == 1 and doc["retention"]["holds_placed"] >= 1
        assert doc["retention"]["evidence_deleted"] >= 1
    reset_engines()


def _files(home: Path) -> list[dict[str, Any]]:
    """Every issued dossier's files: kind, host, sender, addressee, languages, bytes."""
    from comity.dossiers.models import DossierFile, DossierRecord

    reset_engines()
    engine = get_engine(f"sqlite:///{home / 'comity.db'}")
    rows = []
    with read_session(engine) as session:
        for record, file in session.execute(
            select(DossierRecord, DossierFile)
            .join(DossierFile, DossierFile.dossier_id == DossierRecord.id)
            .where(DossierRecord.state == "issued")
            .order_by(DossierRecord.id, DossierFile.id)
        ):
            rows.append(
                {
                    "kind": record.kind,
                    "host": record.host,
                    "addressee": record.addressee_key,
                    "sender": record.sender.get("id") or record.sender["names"]["en"]["name"],
                    "languages": list(record.languages),
                    "format": file.format,
                    "language": file.language,
                    "data": (home / file.path).read_bytes(),
                }
            )
    reset_engines()
    return rows


def _pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages
    )


def test_the_demo_issues_every_kind_of_request_a_recipient_can_act_on(demo: Demo) -> None:
    files = _files(demo.home)
    kinds = {f["kind"] for f in files}
    assert {
        "portal_referral",
        "note_verbale",
        "letter_of_request",
        "eu_removal_order",
        "provider_referral",
    } <= kinds, kinds

    # A portal referral: the copy-ready sheet of the platform's form and its URL list.
    sheet = next(f for f in files if f["kind"] == "portal_referral" and f["format"] == "sheet.txt")
    assert sheet["data"].decode().startswith("PORTAL SUBMISSION SHEET")

    # A note verbale from the Ministry of Foreign Affairs to a foreign ministry.
    note = next(f for f in files if f["kind"] == "note_verbale" and f["format"] == "pdf")
    assert note["sender"] == "KZ.MFA"
    assert note["addressee"].split(".")[1] in ("MFA", "DOS")
    english = next(
        f
        for f in files
        if f["kind"] == "note_verbale" and f["format"] == "pdf" and f["language"] == "en"
    )
    text = _pdf_text(english["data"])
    assert text.startswith("Ministry of Foreign Affairs of the Republic of Kazakhstan")
    assert "presents its compliments to" in text and "L.S." in text

    # A letter of request between central authorities, under a treaty article.
    letter = next(
        f
        for f in files
        if f["kind"] == "letter_of_request" and f["format"] == "pdf" and f["language"] == "en"
    )
    text = _pdf_text(letter["data"])
    assert letter["sender"] == "KZ.GPO"  # the central authority under the treaty
    assert "Made under: Treaty between" in text and "art." in text

    # An EU removal-order request in the host's own language, first.
    eu = [f for f in files if f["kind"] == "eu_removal_order" and f["format"] == "pdf"]
    own = {"NL": "nl", "FR": "fr", "DE": "de"}
    first = [f for f in eu if f["language"] == f["languages"][0] == own.get(f["host"] or "")]
    assert first, [(f["host"], f["languages"]) for f in eu]
    words = {
        "nl": "Bijlage I bij Verordening (EU) 2021/784",
        "fr": "Annexe I du règlement (UE) 2021/784",
    }
    assert any(words.get(f["language"], "\0") in _pdf_text(f["data"]) for f in first)


@pytest.mark.skipif(not SPEC.is_dir(), reason=f"XARF schemas not found at {SPEC}")
def test_the_demos_x_arf_reports_validate_against_the_xarf_v4_schemas(demo: Demo) -> None:
    xarf = [f for f in _files(demo.home) if f["format"] == "xarf.json"]
    assert xarf
    check = master_validator()
    for f in xarf:
        reports = json.loads(f["data"])
        assert reports
        for report in reports:
            assert [e.message for e in check.iter_errors(report)] == []


def test_demo_dashboard_and_transparency_show_the_numbers_the_old_computation_did(
    demo: Demo,
) -> None:
    """Issue 19 item 2 on the demo data: stored figures read as the old whole-history scan."""
    from comity.core.db import utcnow
    from comity.reports.figures import rebuild
    from tests.reports.test_figures import assert_same_as_scan

    reset_engines()
    engine = get_engine(f"sqlite:///{demo.home / 'comity.db'}")
    today = utcnow().date()
    assert_same_as_scan(engine, today)  # marked days recomputed, then stored
    assert_same_as_scan(engine, today)  # read from the stored days
    with read_session(engine) as session:
        assert rebuild(session=session, actor="aud", check=True)["difference"] is None
        assert session.scalar(select(func.count()).select_from(TrackedRequest))
