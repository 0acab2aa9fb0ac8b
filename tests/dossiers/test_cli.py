"""`comity dossier ...` through the real command line (Typer's CliRunner)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.dossiers.test_service import Pipeline
from typer.testing import CliRunner

from comity.cli.main import app

runner = CliRunner()


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    pipeline = Pipeline(engine)
    # Re-attribution at issue answers from the fake resolver instead of DNS.
    monkeypatch.setattr("comity.dossiers.issue._default_attribute", lambda: pipeline.attribute)
    return pipeline


def test_build_issue_show_list_export(pipe: Pipeline, tmp_path: Path) -> None:
    pipe.approved("https://a.example/1")
    pipe.approved("https://d.example/4", channel="provider_referral")
    built = runner.invoke(
        app, ["dossier", "build", "--channel", "provider_referral", "--by", "leo", "--json"]
    )
    assert built.exit_code == 0, built.output
    (created,) = json.loads(built.stdout)["created"]
    # Hetzner is hosted in Germany and there are German templates: German.
    assert created["kind"] == "provider_referral" and created["languages"] == ["de"]

    issued = runner.invoke(app, ["dossier", "issue", str(created["id"]), "--by", "leo", "--json"])
    assert issued.exit_code == 0, issued.output
    state = json.loads(issued.stdout)
    assert state["state"] == "issued" and state["reference"].startswith("KZ-CTC/")
    assert {f["format"] for f in state["files"]} == {
        "pdf",
        "docx",
        "json",
        "csv",
        "eml",
        "xarf.json",
    }

    listed = runner.invoke(app, ["dossier", "list", "--state", "issued", "--json"])
    assert [d["id"] for d in json.loads(listed.stdout)] == [created["id"]]
    shown = runner.invoke(app, ["dossier", "show", str(created["id"])])
    assert shown.exit_code == 0 and state["reference"] in shown.stdout

    target = tmp_path / "referral.eml"
    exported = runner.invoke(
        app, ["dossier", "export", str(created["id"]), "--format", "eml", "-o", str(target)]
    )
    assert exported.exit_code == 0, exported.output
    eml = next(f for f in state["files"] if f["format"] == "eml")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == eml["sha256"]
    assert b"https://d.example/4" in target.read_bytes()


def test_bad_input_exits_2_naming_the_option(pipe: Pipeline) -> None:
    result = runner.invoke(app, ["dossier", "build", "--channel", "fax", "--by", "leo"])
    assert result.exit_code == 2 and "--channel" in result.stderr
    result = runner.invoke(app, ["dossier", "list", "--state", "lost"])
    assert result.exit_code == 2 and "--state" in result.stderr


def test_refusals_exit_1_with_one_line(pipe: Pipeline) -> None:
    result = runner.invoke(app, ["dossier", "build", "--by", "leo"])
    assert result.exit_code == 1 and "no approved proposal waits" in result.stderr
    result = runner.invoke(app, ["dossier", "show", "42"])
    assert result.exit_code == 1 and "dossier 42 does not exist" in result.stderr
    pipe.approved("https://a.example/1")
    built = json.loads(runner.invoke(app, ["dossier", "build", "--by", "leo", "--json"]).stdout)
    draft = built["created"][0]["id"]
    result = runner.invoke(app, ["dossier", "export", str(draft), "--format", "pdf"])
    assert result.exit_code == 1 and "issue it first" in result.stderr
    result = runner.invoke(app, ["dossier", "issue", str(draft), "--by", "alice"])
    assert result.exit_code == 1 and "may not dossier" in result.stderr
