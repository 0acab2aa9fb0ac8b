"""The public transparency report: figures, small-cell suppression, no personal data, PDF."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.db import read_session
from comity.core.errors import BadInput
from comity.intake.models import Item, Report
from comity.reports.transparency import render
from comity.tracking.models import Dispatch, TrackedRequest
from comity.users.models import User
from tests.reports.conftest import World


def _render(engine: Engine, world: World, fmt: str, language: str = "en") -> bytes:
    with read_session(engine) as session:
        return render(
            session=session,
            period_from=world.today - timedelta(days=30),
            period_to=world.today,
            fmt=fmt,
            language=language,
        )


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_json_figures_with_small_cells_withheld(engine: Engine, world: World) -> None:
    doc = json.loads(_render(engine, world, "json"))
    assert doc["intake"] == {
        "reports_received": 12,
        "items_reported": 12,
        "items_by_conduct": {
            "terrorism.financing": "<5",
            "terrorism.incitement": 7,
            "terrorism.recruitment": "<5",
        },
    }
    assert doc["requests"]["requests"] == 10 and doc["requests"]["dossiers"] == "<5"
    assert doc["requests"]["by_host"] == {"DE": 6, "NL": "<5", "US": "<5"}
    assert doc["outcomes"]["by_outcome"] == {
        "removed": 5,
        "disputed": 0,
        "geo_blocked": "<5",
        "restricted": 0,
        "partial": 0,
        "refused": "<5",
        "no_reply": 0,
        "awaiting": "<5",
    }
    assert doc["outcomes"]["refused_by_reason"] == {
        "no_offence_under_host_law": "<5",
        "protected_expression": "<5",
    }
    assert doc["outcomes"]["median_days_to_removal"] == 8.0  # five removals: shown
    assert doc["outcomes"]["verified_removed_share"] == 0.1
    assert doc["safeguards"] == {
        "proposals_reviewed": 11,
        "proposals_rejected": "<5",
        "proposals_with_findings": "<5",
        "safeguard_findings": doc["safeguards"]["safeguard_findings"],
        "supervisor_overrides": "<5",
    }
    kb = doc["knowledge_base"]
    assert kb["jurisdictions_encoded"] == len(kb["jurisdictions"]) > 0
    assert "DE" in kb["jurisdictions"]
    assert re.fullmatch(r"[0-9a-f]{16,}", kb["kb_version"])


def test_period_outside_the_data_is_empty(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        old = world.today - timedelta(days=400)
        doc = json.loads(
            render(
                session=session, period_from=old, period_to=old + timedelta(days=100), fmt="json"
            )
        )
    assert doc["intake"]["reports_received"] == 0 and doc["requests"]["requests"] == 0
    assert doc["outcomes"]["median_days_to_removal"] is None


def _secrets(engine: Engine) -> list[str]:
    """Everything stored that identifies content, people or cases."""
    with read_session(engine) as s:
        found: list[Any] = [
            *s.scalars(select(Item.url)),
            *s.scalars(select(Item.host)),
            *s.scalars(select(Item.registrable_domain)),
            *s.scalars(select(Report.raw_url)),
            *s.scalars(select(Report.note)),
            *s.scalars(select(User.name)),
            *s.scalars(select(Dispatch.dossier_ref)),
            *s.scalars(select(Dispatch.addressee)),
            *s.scalars(select(Dispatch.note_number)),
            *s.scalars(select(TrackedRequest.answer_ref)),
        ]
    return sorted({str(v) for v in found if v})


@pytest.mark.parametrize("fmt", ["json", "html", "pdf"])
def test_no_url_user_name_or_reference_in_any_format(
    engine: Engine, world: World, fmt: str
) -> None:
    body = _render(engine, world, fmt)
    text = _pdf_text(body) if fmt == "pdf" else body.decode()
    secrets = _secrets(engine)
    assert len(secrets) > 30  # the scan really covers the stored identifiers
    for secret in secrets:
        pattern = rf"(?<![\w-]){re.escape(secret)}(?![\w-])"
        assert not re.search(pattern, text, re.IGNORECASE), secret
    assert "://" not in text and ".example" not in text


def test_json_has_no_identifier_fields(engine: Engine, world: World) -> None:
    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    names = keys(json.loads(_render(engine, world, "json")))
    assert not {n for n in names if n in {"id", "url", "item_id", "user", "actor", "reference"}}


def test_html_is_self_contained_and_escaped(engine: Engine, world: World) -> None:
    page = _render(engine, world, "html").decode()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower() and "src=" not in page and "href=" not in page
    assert "default-src 'none'" in page
    assert "&lt;5" in page and "Incitement to terrorism" in page
    assert re.search(r"Reports received</th><td class=\"n\">12<", page)


def test_pdf_has_the_headline_figures(engine: Engine, world: World) -> None:
    text = _pdf_text(_render(engine, world, "pdf"))
    assert "Transparency report" in text
    assert re.search(r"Reports received\s*12", text)
    assert re.search(r"Items in requests sent\s*10", text)
    assert "<5" in text


def test_kazakh_pdf_keeps_kazakh_letters(engine: Engine, world: World) -> None:
    text = _pdf_text(_render(engine, world, "pdf", language="kk"))
    assert "Ашықтық туралы есеп" in text
    for letter in "әғқңөұүі":
        assert letter in text.lower(), letter
    assert re.search(r"Түскен хабарламалар саны\s*12", text)


def test_russian_html(engine: Engine, world: World) -> None:
    page = _render(engine, world, "html", language="ru").decode()
    assert 'lang="ru"' in page and "Доклад о прозрачности" in page
    assert "Финансирование терроризма" in page


def test_bad_format_language_and_period(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        cases: list[dict[str, Any]] = [{"fmt": "docx"}, {"fmt": "pdf", "language": "de"}]
        for kwargs in cases:
            with pytest.raises(BadInput):
                render(session=session, period_from=world.today, period_to=world.today, **kwargs)
        with pytest.raises(BadInput, match="before"):
            render(
                session=session,
                period_from=world.today,
                period_to=world.today - timedelta(days=1),
                fmt="json",
            )


def test_cli_transparency_and_dashboard(engine: Engine, world: World, tmp_path: Any) -> None:
    runner = CliRunner()
    out = tmp_path / "report.pdf"
    start = (world.today - timedelta(days=30)).isoformat()
    result = runner.invoke(
        app,
        [
            "report",
            "transparency",
            "--from",
            start,
            "--to",
            world.today.isoformat(),
            "--format",
            "pdf",
            "--lang",
            "kk",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = runner.invoke(
        app,
        [
            "report",
            "transparency",
            "--from",
            start,
            "--to",
            world.today.isoformat(),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0 and json.loads(result.stdout)["requests"]["requests"] == 10
    bad = runner.invoke(app, ["report", "transparency", "--from", "yesterday", "--to", start])
    assert bad.exit_code == 2 and "--from" in bad.stderr
    charts_dir = tmp_path / "charts"
    result = runner.invoke(app, ["report", "dashboard", "--json", "--charts", str(charts_dir)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["requests"]["n"] == 10
    assert sorted(p.name for p in charts_dir.iterdir()) == [
        "days_to_removal.svg",
        "funnel.svg",
        "refusals.svg",
        "removal_by_channel.svg",
        "removal_by_host.svg",
    ]
    human = runner.invoke(app, ["report", "dashboard"])
    assert human.exit_code == 0 and "Removal rate by host" in human.stdout
