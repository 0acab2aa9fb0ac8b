"""A portal referral through the command line: build, issue, preview and export the sheet,
then record the dispatch with the portal's ticket number (refused without it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.dossiers.test_portal_referral import PlatformPipeline
from typer.testing import CliRunner

from comity.cli.main import app

runner = CliRunner()


@pytest.fixture
def pipe(
    engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> PlatformPipeline:
    pipeline = PlatformPipeline(engine)
    monkeypatch.setattr("comity.dossiers.issue._default_attribute", lambda: pipeline.attribute)
    return pipeline


def test_a_portal_referral_from_build_to_dispatch_on_the_command_line(
    pipe: PlatformPipeline, tmp_path: Path
) -> None:
    url = "https://www.facebook.com/groups/123/posts/456"
    item = pipe.approved(url, host="US", channel="provider_referral")
    built = runner.invoke(app, ["dossier", "build", "--by", "leo", "--json"])
    assert built.exit_code == 0, built.output
    (created,) = json.loads(built.stdout)["created"]
    assert created["kind"] == "portal_referral"
    dossier = str(created["id"])

    draft = tmp_path / "draft.txt"
    preview = ["dossier", "preview", dossier, "--format", "sheet", "--lang", "en"]
    previewed = runner.invoke(app, [*preview, "-o", str(draft), "--by", "leo"])
    assert previewed.exit_code == 0, previewed.output
    assert draft.read_text(encoding="utf-8").splitlines()[1].startswith("DRAFT")

    issued = runner.invoke(app, ["dossier", "issue", dossier, "--by", "leo", "--json"])
    assert issued.exit_code == 0, issued.output
    ref = json.loads(issued.stdout)["reference"]
    sheet = tmp_path / "facebook.txt"
    exported = runner.invoke(
        app, ["dossier", "export", dossier, "--format", "sheet", "-o", str(sheet)]
    )
    assert exported.exit_code == 0, exported.output
    text = sheet.read_text(encoding="utf-8")
    # Facebook's form, its first question, answered with the requesting state.
    assert "1. Select the country where you are claiming legal rights." in text
    assert "   KZ" in text and url in text

    dispatch = ["track", "dispatch", "--ref", ref, "--item", str(item)]
    dispatch += ["--channel", "provider_referral", "--host", "US", "--addressee", "Facebook"]
    refused = runner.invoke(app, [*dispatch, "--by", "leo"])
    assert refused.exit_code == 2 and "--ticket" in refused.output
    sent = runner.invoke(app, [*dispatch, "--ticket", "FB-77120", "--by", "leo", "--json"])
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout)["ticket_number"] == "FB-77120"
