"""Article 11(3) of Regulation (EU) 2021/784: asking that the content provider
is not informed, from the command line and at issue, into the EU annex."""

from __future__ import annotations

import io
import json
import re

import pypdf
import pytest
from sqlalchemy import Engine, select
from tests.dossiers.test_service import Pipeline
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.audit import AuditEvent
from comity.core.db import read_session
from comity.core.errors import BadInput
from comity.dossiers.issue import NonDisclosure

runner = CliRunner()
REASON = "An investigation of the network behind the account is under way."


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    pipeline = Pipeline(engine)
    monkeypatch.setattr("comity.dossiers.issue._default_attribute", lambda: pipeline.attribute)
    return pipeline


def _pdf_text(data: bytes) -> str:
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def test_the_request_not_to_inform_reaches_every_file_and_the_audit(pipe: Pipeline) -> None:
    draft = pipe.eu_draft()
    issued = pipe.issue(draft, non_disclosure=NonDisclosure(REASON, 6, "en"))
    language = issued.languages[0]
    record = json.loads(pipe.export(issued.id, "json", language))
    assert record["non_disclosure"] == {"reason": REASON, "language": "en", "weeks": 6}
    assert REASON in _pdf_text(pipe.export(issued.id, "pdf", language))
    with read_session(pipe.engine) as session:
        data = session.scalars(
            select(AuditEvent.data).where(AuditEvent.action == "dossier.issue")
        ).one()
    assert data["non_disclosure"] == {"reason": REASON, "language": "en", "weeks": 6}


def test_a_note_verbale_cannot_carry_it_and_no_number_is_spent(pipe: Pipeline) -> None:
    pipe.approved("https://de.example/1")
    [draft] = pipe.build().created
    with pytest.raises(BadInput, match="Article 11\\(3\\)"):
        pipe.issue(draft.id, non_disclosure=NonDisclosure(REASON, language="en"))
    assert pipe.state(draft.id)["reference"] is None


def test_weeks_without_a_reason_are_refused(pipe: Pipeline) -> None:
    draft = pipe.eu_draft()
    with pytest.raises(BadInput, match="states its reason"):
        pipe.issue(draft, non_disclosure=NonDisclosure("", 4))


def test_the_command_line_asks_for_it(pipe: Pipeline) -> None:
    draft = pipe.eu_draft()
    args = ["dossier", "issue", str(draft), "--by", "leo", "--json"]
    args += ["--non-disclosure-reason", REASON, "--non-disclosure-weeks", "8"]
    args += ["--non-disclosure-language", "en"]
    issued = runner.invoke(app, args)
    assert issued.exit_code == 0, issued.output
    state = json.loads(issued.stdout)
    record = json.loads(pipe.export(state["id"], "json", state["languages"][0]))
    assert record["non_disclosure"] == {"reason": REASON, "language": "en", "weeks": 8}


def test_a_reason_whose_language_is_not_said_is_refused_and_no_number_is_spent(
    pipe: Pipeline,
) -> None:
    draft = pipe.eu_draft()
    with pytest.raises(BadInput, match="say which language the reason is written in"):
        pipe.issue(draft, non_disclosure=NonDisclosure(REASON, 6))
    assert pipe.state(draft)["reference"] is None
