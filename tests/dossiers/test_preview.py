"""A draft read before it is issued: DRAFT on every page, no number, nothing stored."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import docx
import pypdf
import pytest
from sqlalchemy import Engine, func, select
from tests.dossiers.test_service import Pipeline
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.audit import AuditEvent, verify_chain
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput, Refused
from comity.dossiers.models import DossierFile
from comity.dossiers.preview import preview

runner = CliRunner()
NUMBER = re.compile(r"KZ-CTC/\d{4}/\d{6}")


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    pipeline = Pipeline(engine)
    monkeypatch.setattr("comity.dossiers.issue._default_attribute", lambda: pipeline.attribute)
    return pipeline


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _draft(pipe: Pipeline, n: int = 1) -> int:
    for i in range(n):
        pipe.approved(f"https://a.example/{i}")
    (draft,) = pipe.build().created
    return draft.id


def test_a_preview_pdf_says_draft_on_every_page_and_has_no_number_then_issue_works(
    pipe: Pipeline, engine: Engine, tmp_path: Path
) -> None:
    dossier_id = _draft(pipe, n=40)  # enough items for several pages
    target = tmp_path / "draft.pdf"
    shown = runner.invoke(
        app,
        [
            "dossier",
            "preview",
            str(dossier_id),
            "--format",
            "pdf",
            "-o",
            str(target),
            "--by",
            "leo",
        ],
    )
    assert shown.exit_code == 0, shown.output
    pages = _pages(target.read_bytes())
    assert len(pages) > 1
    assert all("DRAFT" in page for page in pages)
    assert not any(NUMBER.search(page) for page in pages)
    state = pipe.state(dossier_id)
    assert state["state"] == "draft" and state["reference"] is None and state["files"] == []
    with read_session(engine) as session:
        stored = session.scalar(select(func.count()).select_from(DossierFile))
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        assert verify_chain(session).ok
    assert stored == 0
    assert actions[-1] == "dossier.preview" and "dossier.issue" not in actions

    issued = pipe.issue(dossier_id)
    final = _pages(pipe.export(issued.id, "pdf", "de"))
    assert issued.reference and all(issued.reference in page for page in final)
    assert not any("DRAFT" in page for page in final)


def test_a_preview_docx_has_draft_in_every_header(pipe: Pipeline, engine: Engine) -> None:
    dossier_id = _draft(pipe)
    with session_scope(engine) as session:
        name, data = preview(session=session, dossier_id=dossier_id, fmt="docx", actor="leo")
    assert name.endswith(".DRAFT.de.docx")
    document = docx.Document(io.BytesIO(data))
    for section in document.sections:
        assert "DRAFT" in "\n".join(p.text for p in section.header.paragraphs)
    text = "\n".join(p.text for p in document.paragraphs)
    assert not NUMBER.search(text)


def test_a_preview_record_carries_draft_for_a_reference(pipe: Pipeline, engine: Engine) -> None:
    dossier_id = _draft(pipe)
    with session_scope(engine) as session:
        _, data = preview(session=session, dossier_id=dossier_id, fmt="json", actor="leo")
    assert json.loads(data)["reference"] == "DRAFT"


def test_an_issued_dossier_is_exported_not_previewed(pipe: Pipeline, engine: Engine) -> None:
    dossier_id = _draft(pipe)
    pipe.issue(dossier_id)
    with pytest.raises(Refused, match="only a draft is previewed"), session_scope(engine) as s:
        preview(session=s, dossier_id=dossier_id, fmt="pdf", actor="leo")


def test_a_preview_in_a_format_or_language_the_dossier_lacks_is_bad_input(
    pipe: Pipeline, engine: Engine
) -> None:
    dossier_id = _draft(pipe)
    with pytest.raises(BadInput, match="no eml"), session_scope(engine) as session:
        preview(session=session, dossier_id=dossier_id, fmt="eml", actor="leo")
    with pytest.raises(BadInput, match="--lang"), session_scope(engine) as session:
        preview(session=session, dossier_id=dossier_id, fmt="pdf", actor="leo", language="fr")


def test_an_analyst_without_the_dossier_role_cannot_preview(pipe: Pipeline, engine: Engine) -> None:
    dossier_id = _draft(pipe)
    with pytest.raises(Refused), session_scope(engine) as session:
        preview(session=session, dossier_id=dossier_id, fmt="pdf", actor="alice")
