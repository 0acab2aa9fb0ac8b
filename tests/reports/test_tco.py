"""`comity report tco`: Article 7 and 8 figures of Regulation (EU) 2021/784 over build_world."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput
from comity.reports.tco import render
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from tests.reports.conftest import World


def _doc(engine: Engine, year: int, language: str = "en") -> dict[str, Any]:
    with read_session(engine) as session:
        loaded: dict[str, Any] = json.loads(
            render(session=session, year=year, fmt="json", language=language)
        )
    return loaded


def test_exact_figures_of_the_seeded_year(engine: Engine, world: World) -> None:
    doc = _doc(engine, world.sent_on.year)
    assert doc["empty"] is False
    assert doc["requests"] == 10 and doc["eu_removal_order_requests"] == 0
    assert doc["by_host"] == {"DE": 6, "NL": 1, "US": 3}
    assert doc["eu_by_host"] == {}
    assert doc["by_conduct"] == {"terrorism.financing": 3, "terrorism.incitement": 7}
    assert doc["by_channel"] == {
        "diplomatic_request": 3,
        "mla_request": 1,
        "provider_referral": 6,
    }
    # Removed on day 4, 6, 10, 20 (host's word) and day 8 (seen by the monitor);
    # the time limit ran out on day 19: the day-20 removal is late.
    assert doc["outcomes"] == {
        "removed": 5,
        "within_time_limit": 4,
        "late": 1,
        "no_time_limit": 0,
        "disputed": 0,
        "reinstated": 0,
    }
    assert doc["refused_by_reason"] == {"no_offence_under_host_law": 2, "protected_expression": 1}
    assert doc["not_recorded"] == ["penalties"]
    assert doc["complaints"]["received"] == 0  # a count, not "not recorded"


def test_complaints_and_their_review_are_counted(engine: Engine, world: World) -> None:
    from comity.complaints import service as complaints

    day = world.today
    with session_scope(engine) as s:
        made = [
            complaints.receive(
                session=s,
                actor="leo",
                item_id=world.item_ids[i],
                complainant_role=role,
                complainant="x",
                route=route,
                received_on=day,
                grounds="x",
            )
            for i, role, route in (
                (1, "uploader", "email"),
                (2, "content_provider", "court"),
                (3, "host", "host_forwarded"),
            )
        ]
        s.flush()
        complaints.decide(
            session=s, actor="sam", complaint_id=made[0].id, outcome="upheld", reason="news"
        )
    doc = _doc(engine, day.year)
    got = doc["complaints"]
    assert got["received"] == 3 and got["before_a_court"] == 1
    assert (got["uploader"], got["content_provider"], got["host"]) == (1, 1, 1)
    assert (got["reviewed"], got["upheld"], got["pending"]) == (1, 1, 2)
    rows = dict(next(x for x in doc["sections"] if x["key"] == "complaints")["rows"])
    assert rows["Complaints received"] == "3" and rows["Upheld (request withdrawn)"] == "1"


def test_eu_orders_disputed_and_reinstated_answers(engine: Engine, world: World) -> None:
    ids = world.item_ids
    with session_scope(engine) as s:
        nl = s.scalars(select(Dispatch).where(Dispatch.host_country == "NL")).one()
        nl.channel = "eu_removal_order_request"
        # The sixth item had no answer and is still up: the host now says removed.
        up = s.scalars(select(TrackedRequest).where(TrackedRequest.item_id == ids[5])).one()
        up.decision, up.decided_on = "removed", world.sent_on + timedelta(days=2)
        # Item 10 was seen gone on day 8 and is online again.
        s.get_one(MonitorState, ids[9]).verdict = "up"
    doc = _doc(engine, world.sent_on.year)
    assert doc["eu_removal_order_requests"] == 1 and doc["eu_by_host"] == {"NL": 1}
    assert doc["outcomes"] == {
        "removed": 5,  # the disputed "removed" is not a removal; the reinstated one was
        "within_time_limit": 4,
        "late": 1,
        "no_time_limit": 0,
        "disputed": 1,
        "reinstated": 1,
    }


def test_a_year_with_no_data_is_an_empty_report_that_says_so(engine: Engine, world: World) -> None:
    year = world.sent_on.year - 3
    doc = _doc(engine, year)
    assert doc["empty"] is True and doc["requests"] == 0 and doc["by_host"] == {}
    with read_session(engine) as session:
        page = render(session=session, year=year, fmt="html").decode()
    assert f"No requests were dispatched in {year}: this report is empty." in page


@pytest.mark.parametrize(
    ("language", "statement"),
    [
        ("en", "Not recorded by Comity"),
        ("ru", "В Comity не учитывается"),
        ("kk", "Comity жүйесінде есепке алынбайды"),
    ],
)
def test_only_penalties_are_said_to_be_not_recorded(
    engine: Engine, world: World, language: str, statement: str
) -> None:
    doc = _doc(engine, world.sent_on.year, language)
    missing = next(s for s in doc["sections"] if s["key"] == "not_recorded")
    assert len(missing["rows"]) == 1
    assert all(value == statement for _, value in missing["rows"])  # never a 0


def test_csv_headers_are_translated_labels(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        body = render(session=session, year=world.sent_on.year, fmt="csv", language="ru")
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["Раздел", "Категория", "Количество"]
    assert ["Запросы по государствам размещения", "DE", "6"] in rows
    assert ["Удаление и блокирование доступа", "Удалено в установленный срок", "4"] in rows


def test_html_draws_a_chart_above_each_series(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        page = render(session=session, year=world.sent_on.year, fmt="html").decode()
    assert page.count("<svg") == 5  # host, conduct, channel, outcomes, refusals (EU: none)
    assert "<script" not in page and "://" not in page.split("</head>")[1].replace(
        "http://www.w3.org", ""
    )


def test_kazakh_pdf(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        pdf = render(session=session, year=world.sent_on.year, fmt="pdf", language="kk")
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Белгіленген мерзімде жойылды" in text
    assert "Comity жүйесінде есепке алынбайды" in text
    # Each series is drawn above its table: the chart's title is text in the PDF too.
    assert text.count("Әрекет түрлері бойынша сұраулар") == 2


def test_bad_year_format_and_language(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        for kwargs, field in (
            ({"year": 0, "fmt": "json"}, "--year"),
            ({"year": 2026, "fmt": "xlsx"}, "--format"),
            ({"year": 2026, "fmt": "json", "language": "de"}, "--lang"),
        ):
            with pytest.raises(BadInput, match=field):
                render(session=session, **kwargs)  # type: ignore[arg-type]


def test_cli_tco(engine: Engine, world: World, tmp_path: Any) -> None:
    runner = CliRunner()
    year = str(world.sent_on.year)
    result = runner.invoke(app, ["report", "tco", "--year", year, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["requests"] == 10
    out = tmp_path / "tco.pdf"
    result = runner.invoke(
        app,
        ["report", "tco", "--year", year, "--format", "pdf", "--language", "ru", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    bad = runner.invoke(app, ["report", "tco", "--year", year, "--format", "pdf"])
    assert bad.exit_code != 0 and "-o" in bad.output
